import Logging
import NIOCore
import PostgresNIO
import PushBridgeCore
import Synchronization

/// WebSocket pushes across nodes. A WebSocket-target message is delivered by the node that accepted its event: it
/// pushes to its own subscribers and relays the message here; PostToConnection and DeleteConnection for a socket
/// on another node come here too. One sender task sends what is pending in `pushbridge_push` notifications, many
/// records to a notification and in the order they were relayed (one connection, one task), so the messages of
/// one entity from one node arrive in order. A record too large for a notification is written to `push_payloads`
/// first and named in it.
///
/// Every node listens and pushes what it receives to its own sockets; a node without subscribers of an entity
/// does one lookup for it and nothing per socket. Pushes are at most once, as a socket's are: what is pending while
/// PostgreSQL is unreachable is dropped (counted and logged), never retried late and out of order.
public final class ClusterPush: FanOutRelay, Sendable {
    let client: PostgresClient
    let nodeId: String
    let settings: ClusterSettings
    let registry: ConnectionRegistry
    let statistics: FanOutStatistics
    let logger: Logger
    private let wakeup = WakeupSignal()
    private let pending = Mutex(Pending())
    private let receivedTotal = Atomic<Int>(0)

    private struct Pending {
        var records: [PushRecord] = []
        var bytes = 0
        var dropped = 0
    }

    /// What may wait to be sent before new records are dropped.
    static let maximumPendingRecords = 100_000
    static let maximumPendingBytes = 256 * 1024 * 1024

    public init(store: PostgresEventStore, registry: ConnectionRegistry, statistics: FanOutStatistics, logger: Logger) {
        self.client = store.client
        self.nodeId = store.node.id
        self.settings = store.settings
        self.registry = registry
        self.statistics = statistics
        self.logger = logger
    }

    public func relay(audience: WebSocketAudience, key: String, frame: String) {
        switch audience {
        case .entitySubscribers: send(.entity(key: key, frame: frame))
        case .userConnections: send(.user(key: key, frame: frame))
        }
    }

    /// Records pushes received from other nodes, for tests and metrics.
    public var receivedCount: Int { receivedTotal.load(ordering: .relaxed) }

    func send(_ record: PushRecord) {
        let size: Int =
            switch record {
            case .entity(let key, let frame), .user(let key, let frame), .post(let key, let frame): key.utf8.count + frame.utf8.count
            case .disconnect(let id): id.utf8.count
            case .stored: 8
            }
        let accepted = pending.withLock { pending in
            guard pending.records.count < Self.maximumPendingRecords, pending.bytes + size <= Self.maximumPendingBytes else {
                pending.dropped += 1
                return false
            }
            pending.records.append(record)
            pending.bytes += size
            return true
        }
        if accepted { wakeup.signal() }
    }

    // MARK: Sending

    /// The sender loop, until cancelled.
    func runSender() async {
        var failing = false
        var delay = settings.reconnectDelay
        while !Task.isCancelled {
            let (records, dropped) = pending.withLock { pending in
                defer { pending = Pending() }
                return (pending.records, pending.dropped)
            }
            if dropped > 0 {
                logger.warning("Dropped cross-node pushes: more were waiting than the limit", metadata: ["pb.dropped": "\(dropped)"])
            }
            guard !records.isEmpty else {
                await wakeup.wait(until: .now + .seconds(1))
                continue
            }
            do {
                try await withTimeout(settings.commitTimeout) { [self] in try await self.notify(records) }
                if failing { logger.notice("Cross-node pushes reach PostgreSQL again", metadata: ["pb.node": "\(nodeId)"]) }
                failing = false
                delay = settings.reconnectDelay
            } catch {
                if !failing, !Task.isCancelled {
                    logger.warning(
                        "Cross-node pushes cannot reach PostgreSQL; dropping them until it is back (sockets on this node are still pushed to)",
                        metadata: ["pb.node": "\(nodeId)", "pb.dropped": "\(records.count)", "pb.reason": "\(PostgresFailure.describe(error))"]
                    )
                }
                failing = true
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, settings.maximumReconnectDelay)
            }
        }
    }

    /// Sends `records`, in order, in as few notifications as fit.
    private func notify(_ records: [PushRecord]) async throws {
        try await client.withConnection { connection in
            let header = PushRecord.header(node: self.nodeId)
            var payload = header
            func flush() async throws {
                guard payload.utf8.count > header.utf8.count else { return }
                try await connection.query("SELECT pg_notify(\(PushRecord.channel), \(payload))", logger: self.logger).drain()
                payload = header
            }
            for record in records {
                var text = record.encoded
                if !record.fitsInline {
                    var id: Int64 = 0
                    let rows = try await connection.query(
                        "INSERT INTO push_payloads (record) VALUES (\(ByteBuffer(string: text))) RETURNING id",
                        logger: self.logger
                    )
                    for try await value in rows.decode(Int64.self) { id = value }
                    text = PushRecord.stored(id: id).encoded
                }
                if payload.utf8.count + text.utf8.count > PushRecord.maximumPayloadBytes { try await flush() }
                payload += text
            }
            try await flush()
        }
    }

    // MARK: Receiving

    /// Pushes what another node sent to this node's sockets; this node's own notifications are skipped (it
    /// pushed to its sockets before relaying).
    func receive(_ payload: String) async throws {
        guard let (node, records) = PushRecord.parse(payload: payload) else {
            logger.warning("Ignored a push notification that is not PushBridge's", metadata: ["pb.channel": "\(PushRecord.channel)"])
            return
        }
        guard node != nodeId else { return }
        for record in records {
            if case .stored(let id) = record {
                guard let stored = try await readStored(id) else { continue }
                apply(stored)
            } else {
                apply(record)
            }
        }
    }

    private func readStored(_ id: Int64) async throws -> PushRecord? {
        let bytes = try await withTimeout(settings.commitTimeout) { [client, logger] in
            var found: ByteBuffer?
            for try await value in try await client.query("SELECT record FROM push_payloads WHERE id = \(id)", logger: logger).decode(ByteBuffer.self)
            {
                found = value
            }
            return found
        }
        guard let bytes, let record = PushRecord.parseStored(Array(bytes.readableBytesView)) else {
            logger.warning("A stored push record is missing or malformed; skipped", metadata: ["pb.push_payload": "\(id)"])
            return nil
        }
        return record
    }

    private func apply(_ record: PushRecord) {
        receivedTotal.add(1, ordering: .relaxed)
        switch record {
        case .entity(let key, let frame):
            WebSocketFanOut.push(ByteBuffer(string: frame), to: key, audience: .entitySubscribers, registry: registry, statistics: statistics)
        case .user(let key, let frame):
            WebSocketFanOut.push(ByteBuffer(string: frame), to: key, audience: .userConnections, registry: registry, statistics: statistics)
        case .post(let id, let frame):
            guard let sink = registry.sink(id) else { return }
            switch sink.send(text: ByteBuffer(string: frame)) {
            case .queued: registry.touch(id, at: .now())
            case .bufferFull:
                statistics.slowConsumerClosed()
                sink.close(code: CloseCode.policyViolation, reason: "slow consumer: outbound buffer full")
            case .closed: break
            }
        case .disconnect(let id):
            guard let sink = registry.sink(id) else { return }
            registry.remove(id)
            sink.close(code: CloseCode.normal, reason: "Connection Closed Normally")
        case .stored:
            break
        }
    }

    /// Rows of `push_payloads` every node has had minutes to read.
    func deleteOldPayloads() async throws {
        try await client.query("DELETE FROM push_payloads WHERE created_at < now() - interval '5 minutes'", logger: logger).drain()
    }
}
