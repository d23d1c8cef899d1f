import Logging
import PostgresNIO
import PushBridgeCore
import ServiceLifecycle
import Synchronization

/// A node's work beside the store, while the server runs:
/// - **heartbeat**: renews the node's lease, which keeps every message it holds its own;
/// - **claims**: takes over, into this node's queues, the messages of nodes whose lease ran out;
/// - **configuration**: reloads buses, rules and targets when another node changed them (a notification, and a
///   version check every ``ClusterSettings/configurationCheckInterval`` in case one was missed);
/// - **dead letters**: adds and removes what other nodes dead-lettered, redrove or purged, so every node's DLQ
///   shows the cluster's;
/// - **pushes** (``ClusterPush``): WebSocket messages and `@connections` calls to and from other nodes;
/// - **connections** (``ClusterConnections``): which node holds each socket;
/// - **nodes**: every node's row, read with each heartbeat, for `/readyz` and `pushbridge nodes`.
///
/// Each loop survives PostgreSQL going away: it logs once, pauses (doubling up to
/// ``ClusterSettings/maximumReconnectDelay``) and tries again; sockets and in-memory deliveries carry on.
public final class ClusterNode: Service, Sendable {
    let store: PostgresEventStore
    let router: EventRouter
    let deadLetters: InMemoryDeadLetterStore
    let retryDefaults: RetryPolicy
    let logger: Logger
    public let push: ClusterPush
    public let connections: ClusterConnections
    private let configurationWakeup = WakeupSignal()
    private let state = Mutex(State())

    private struct State {
        var appliedConfigurationVersion: Int64 = -1
        /// No claim before this instant: after an outage every node's lease looks expired until the others'
        /// heartbeats land again, and a node must not take the messages of nodes that are alive.
        var claimNotBefore: ContinuousClock.Instant = .now
        var heartbeatFailing = false
        var nextNodeCleanup: ContinuousClock.Instant = .now
        var nodes: [NodeStatus] = []
    }

    public init(
        store: PostgresEventStore,
        router: EventRouter,
        deadLetters: InMemoryDeadLetterStore,
        retryDefaults: RetryPolicy,
        push: ClusterPush,
        connections: ClusterConnections,
        logger: Logger
    ) {
        self.store = store
        self.router = router
        self.deadLetters = deadLetters
        self.retryDefaults = retryDefaults
        self.push = push
        self.connections = connections
        self.logger = logger
        // Start-up applied the recovered snapshot and then wrote the built-in rule and the rules file over it: the
        // first check reloads whatever version the database holds.
        state.withLock { $0.appliedConfigurationVersion = -1 }
    }

    public var nodeId: String { store.node.id }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.loop("heartbeat", every: self.store.settings.heartbeatInterval) { try await self.heartbeat() } }
            group.addTask { await self.loop("claim", every: self.store.settings.claimInterval) { try await self.claim() } }
            group.addTask { await self.followConfiguration() }
            group.addTask { await self.push.runSender() }
            group.addTask { await self.connections.runWriter() }
            group.addTask {
                await self.listen(on: ClusterChannel.configuration, onListening: { self.configurationWakeup.signal() }) { payload in
                    if case .configurationChanged = self.parse(payload, on: ClusterChannel.configuration) { self.configurationWakeup.signal() }
                }
            }
            group.addTask {
                await self.listen(on: ClusterChannel.deadLetters, onListening: { try await self.reloadDeadLetters() }) { payload in
                    guard case .deadLettersChanged(let node, let added, let removed) = self.parse(payload, on: ClusterChannel.deadLetters),
                        node != self.nodeId
                    else { return }
                    try await self.applyDeadLetterChanges(added: added, removed: removed)
                }
            }
            group.addTask {
                await self.listen(on: PushRecord.channel, onListening: {}) { payload in try await self.push.receive(payload) }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        // The sockets closed before this service stops: their rows go now rather than with the lease.
        try? await withTimeout(store.settings.commitTimeout) { try await self.connections.deleteOwnRows() }
    }

    private func parse(_ payload: String, on channel: String) -> ClusterNotification? {
        guard let parsed = ClusterNotification(payload: payload) else {
            logger.warning("Ignored a notification that is not PushBridge's", metadata: ["pb.channel": "\(channel)"])
            return nil
        }
        return parsed
    }

    // MARK: Nodes

    /// Every node as the last heartbeat read them (empty before the first).
    public var nodes: [NodeStatus] { state.withLock { $0.nodes } }

    /// Whether this node's last heartbeat reached PostgreSQL.
    public var reachesPostgres: Bool { state.withLock { !$0.heartbeatFailing } }

    private func readNodes() async throws {
        let nodes = try await withTimeout(store.settings.commitTimeout) { [store, logger] in
            let rows = try await store.client.query(
                """
                SELECT n.id, (extract(epoch FROM n.started_at) * 1000)::bigint, (extract(epoch FROM now() - n.heartbeat_at) * 1000)::bigint,
                    n.lease_until > now(), (SELECT count(*) FROM connections AS c WHERE c.node = n.id),
                    (SELECT count(*) FROM messages AS m WHERE m.lease_owner = n.id)
                FROM nodes AS n ORDER BY n.started_at, n.id
                """,
                logger: logger
            )
            var nodes: [NodeStatus] = []
            for try await (id, started, age, alive, sockets, messages) in rows.decode((String, Int64, Int64, Bool, Int64, Int64).self) {
                nodes.append(
                    NodeStatus(
                        id: id,
                        startedAt: Timestamp(milliseconds: started),
                        heartbeatAgeMilliseconds: max(0, age),
                        alive: alive,
                        connections: Int(clamping: sockets),
                        messages: Int(clamping: messages)
                    )
                )
            }
            return nodes
        }
        state.withLock { $0.nodes = nodes }
    }

    // MARK: Heartbeat and claims

    func heartbeat() async throws {
        let settings = store.settings
        try await withTimeout(settings.commitTimeout) { [store, nodeId, logger] in
            try await store.client.query(
                """
                INSERT INTO nodes (id, lease_until) VALUES (\(nodeId), now() + make_interval(secs => \(settings.leaseDuration.totalSeconds)))
                ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), lease_until = excluded.lease_until
                """,
                logger: logger
            ).drain()
        }
        let recovered = state.withLock { state in
            defer { state.heartbeatFailing = false }
            if state.heartbeatFailing { state.claimNotBefore = .now + settings.leaseDuration }
            return state.heartbeatFailing
        }
        if recovered {
            logger.notice("Heartbeat reaches PostgreSQL again; claims resume after one lease duration", metadata: ["pb.node": "\(nodeId)"])
        }
        try await readNodes()
    }

    func claim() async throws {
        let claimable = state.withLock { !$0.heartbeatFailing && ContinuousClock.now >= $0.claimNotBefore }
        guard claimable else { return }
        try await forgetDeadNodes()
        try await forgetDeadConnections()
        // No more than the fullest queue can take: claimed messages skip the capacity check, as recovered ones do.
        let room = router.queues().map(\.freeCapacity).min() ?? store.settings.claimBatch
        let limit = max(0, min(store.settings.claimBatch, room))
        guard limit > 0 else { return }
        let claimed = try await withTimeout(store.settings.commitTimeout) { [store, nodeId] in
            try await store.reader.claimMessages(store.client, nodeId: nodeId, limit: limit)
        }
        guard !claimed.isEmpty else { return }
        let summary = router.restore(RecoveredState(messages: claimed), retryDefaults: retryDefaults)
        logger.info(
            "Claimed messages of a node whose lease ran out",
            metadata: [
                "pb.node": "\(nodeId)", "pb.messages": "\(summary.messages)", "pb.waiting_retry": "\(summary.waitingForRetry)",
                "pb.dead_lettered": "\(summary.deadLettered)",
            ]
        )
    }

    /// Once a minute: rows of nodes gone for an hour that hold no message any more.
    private func forgetDeadNodes() async throws {
        let due = state.withLock { state in
            guard ContinuousClock.now >= state.nextNodeCleanup else { return false }
            state.nextNodeCleanup = .now + .seconds(60)
            return true
        }
        guard due else { return }
        try await withTimeout(store.settings.commitTimeout) { [store, logger] in
            try await store.client.query(
                """
                DELETE FROM nodes AS n WHERE n.lease_until < now() - interval '1 hour'
                AND NOT EXISTS (SELECT 1 FROM messages AS m WHERE m.lease_owner = n.id)
                """,
                logger: logger
            ).drain()
        }
    }

    /// Every claim round: the connections of nodes whose lease ran out, and push records every node had time to read.
    private func forgetDeadConnections() async throws {
        try await withTimeout(store.settings.commitTimeout) { [connections, push] in
            try await connections.deleteRowsOfDeadNodes()
            try await push.deleteOldPayloads()
        }
    }

    // MARK: Configuration

    private func followConfiguration() async {
        var failing = false
        while !Task.isCancelled {
            do {
                try await reloadConfigurationIfChanged()
                if failing { logger.notice("Configuration reloads reach PostgreSQL again") }
                failing = false
            } catch {
                if !failing, !Task.isCancelled {
                    logger.warning("Cannot read the cluster's configuration", metadata: ["pb.reason": "\(PostgresFailure.describe(error))"])
                }
                failing = true
            }
            await configurationWakeup.wait(until: .now + store.settings.configurationCheckInterval)
        }
    }

    /// Applies the configuration other nodes committed, if it moved since this node last looked: before an Events
    /// API call, so a change made on another node a moment ago is seen. PostgreSQL unreachable: memory as it is.
    public func catchUpWithConfiguration() async {
        try? await reloadConfigurationIfChanged()
    }

    /// Reads the version (one row); reads and applies the whole configuration only when it moved.
    func reloadConfigurationIfChanged() async throws {
        let timeout = store.settings.commitTimeout
        let version = try await withTimeout(timeout) { [store, logger] in
            var version: Int64 = 0
            for try await value in try await store.client.query("SELECT version FROM cluster_config WHERE id = 1", logger: logger)
                .decode(Int64.self)
            {
                version = value
            }
            return version
        }
        guard version != state.withLock({ $0.appliedConfigurationVersion }) else { return }
        let snapshot = try await withTimeout(timeout) { [store] in try await store.reader.readConfiguration(store.client) }
        // This node's own changes in flight would be undone by an older snapshot: the next round applies a newer one.
        guard store.groupCommit.mayApplyConfiguration(version: snapshot.version) else { return }
        let summary = router.reconcile(
            with: EventRouter.ConfigurationSnapshot(buses: snapshot.buses, rules: snapshot.rules, targets: snapshot.targets),
            retryDefaults: retryDefaults
        )
        state.withLock { $0.appliedConfigurationVersion = snapshot.version }
        if !summary.isEmpty {
            logger.info(
                "Applied configuration changed on another node",
                metadata: [
                    "pb.config_version": "\(snapshot.version)", "pb.buses_added": "\(summary.busesAdded)",
                    "pb.buses_removed": "\(summary.busesRemoved)", "pb.buses_changed": "\(summary.busesChanged)",
                    "pb.rules_changed": "\(summary.rulesChanged)",
                    "pb.rules_removed": "\(summary.rulesRemoved)", "pb.targets_changed": "\(summary.targetsChanged)",
                    "pb.targets_removed": "\(summary.targetsRemoved)",
                ]
            )
        }
    }

    // MARK: Dead letters

    /// Makes this node's DLQ the shared one: adds what it lacks, forgets what another node removed.
    func reloadDeadLetters() async throws {
        let timeout = store.settings.commitTimeout
        let stored = try await withTimeout(timeout) { [store] in try await store.reader.readDeadLetterIds(store.client) }
        let held = deadLetters.ids
        let missing = Array(stored.subtracting(held))
        deadLetters.forget(ids: held.subtracting(stored))
        guard !missing.isEmpty else { return }
        // In slices, so one query's bind stays small however large the DLQ.
        var start = 0
        while start < missing.count {
            let slice = Array(missing[start..<min(start + 1000, missing.count)])
            let entries = try await withTimeout(timeout) { [store] in try await store.reader.readDeadLetters(store.client, ids: slice) }
            deadLetters.restore(entries)
            start += slice.count
        }
    }

    func applyDeadLetterChanges(added: [String], removed: [String]) async throws {
        if !removed.isEmpty { deadLetters.forget(ids: removed) }
        guard !added.isEmpty else { return }
        let entries = try await withTimeout(store.settings.commitTimeout) { [store] in
            try await store.reader.readDeadLetters(store.client, ids: added)
        }
        deadLetters.restore(entries)
    }

    // MARK: Loops

    /// Runs `body` every `interval` until cancelled; a failure is logged once per streak.
    private func loop(_ name: String, every interval: Duration, _ body: @Sendable () async throws -> Void) async {
        var failing = false
        while !Task.isCancelled {
            do {
                try await body()
                if failing { logger.notice("Cluster \(name) reaches PostgreSQL again", metadata: ["pb.node": "\(nodeId)"]) }
                failing = false
            } catch {
                if name == "heartbeat" { state.withLock { $0.heartbeatFailing = true } }
                if !failing, !Task.isCancelled {
                    logger.warning(
                        "Cluster \(name) cannot reach PostgreSQL; retrying",
                        metadata: ["pb.node": "\(nodeId)", "pb.reason": "\(PostgresFailure.describe(error))"]
                    )
                }
                failing = true
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// LISTENs on `channel` on a connection of its own, reconnecting with backoff; `onListening` runs each time
    /// the LISTEN is in place (to catch up on what was missed while it was not).
    private func listen(
        on channel: String,
        onListening: @escaping @Sendable () async throws -> Void,
        handle: @escaping @Sendable (String) async throws -> Void
    ) async {
        var delay = store.settings.reconnectDelay
        var failing = false
        while !Task.isCancelled {
            do {
                try await store.client.withConnection { connection in
                    try await connection.listen(on: channel) { notifications in
                        try await onListening()
                        if failing { self.logger.notice("Listening on \(channel) again", metadata: ["pb.node": "\(self.nodeId)"]) }
                        failing = false
                        delay = self.store.settings.reconnectDelay
                        for try await notification in notifications { try await handle(notification.payload) }
                    }
                }
            } catch {
                if !failing, !Task.isCancelled {
                    logger.warning(
                        "Lost the notifications of \(channel); reconnecting",
                        metadata: ["pb.node": "\(nodeId)", "pb.reason": "\(PostgresFailure.describe(error))"]
                    )
                }
                failing = true
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, store.settings.maximumReconnectDelay)
        }
    }
}

/// One node of the cluster as its row says, for `/readyz` and `pushbridge nodes`.
public struct NodeStatus: Sendable, Equatable {
    public let id: String
    public let startedAt: Timestamp
    /// Since its last heartbeat, by PostgreSQL's clock.
    public let heartbeatAgeMilliseconds: Int64
    /// Its lease has not run out: it holds its sockets and messages.
    public let alive: Bool
    public let connections: Int
    /// Webhook and AWS messages it holds.
    public let messages: Int
}
