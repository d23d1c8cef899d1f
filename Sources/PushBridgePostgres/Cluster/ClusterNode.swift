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
///   shows the cluster's.
///
/// Each loop survives PostgreSQL going away: it logs once, pauses (doubling up to
/// ``ClusterSettings/maximumReconnectDelay``) and tries again; sockets and in-memory deliveries carry on.
public final class ClusterNode: Service, Sendable {
    let store: PostgresEventStore
    let router: EventRouter
    let deadLetters: InMemoryDeadLetterStore
    let retryDefaults: RetryPolicy
    let logger: Logger
    private let configurationWakeup = WakeupSignal()
    private let state = Mutex(State())

    private struct State {
        var appliedConfigurationVersion: Int64 = -1
        /// No claim before this instant: after an outage every node's lease looks expired until the others'
        /// heartbeats land again, and a node must not take the messages of nodes that are alive.
        var claimNotBefore: ContinuousClock.Instant = .now
        var heartbeatFailing = false
        var nextNodeCleanup: ContinuousClock.Instant = .now
    }

    public init(store: PostgresEventStore, router: EventRouter, deadLetters: InMemoryDeadLetterStore, retryDefaults: RetryPolicy, logger: Logger) {
        self.store = store
        self.router = router
        self.deadLetters = deadLetters
        self.retryDefaults = retryDefaults
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
            group.addTask {
                await self.listen(on: ClusterChannel.configuration, onListening: { self.configurationWakeup.signal() }) { notification in
                    if case .configurationChanged = notification { self.configurationWakeup.signal() }
                }
            }
            group.addTask {
                await self.listen(on: ClusterChannel.deadLetters, onListening: { try await self.reloadDeadLetters() }) { notification in
                    guard case .deadLettersChanged(let node, let added, let removed) = notification, node != self.nodeId else { return }
                    try await self.applyDeadLetterChanges(added: added, removed: removed)
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
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
    }

    func claim() async throws {
        let claimable = state.withLock { !$0.heartbeatFailing && ContinuousClock.now >= $0.claimNotBefore }
        guard claimable else { return }
        try await forgetDeadNodes()
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
                    "pb.buses_removed": "\(summary.busesRemoved)", "pb.rules_changed": "\(summary.rulesChanged)",
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
        handle: @escaping @Sendable (ClusterNotification) async throws -> Void
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
                        for try await notification in notifications {
                            guard let parsed = ClusterNotification(payload: notification.payload) else {
                                self.logger.warning("Ignored a notification that is not PushBridge's", metadata: ["pb.channel": "\(channel)"])
                                continue
                            }
                            try await handle(parsed)
                        }
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
