import Logging
import PostgresNIO
import PushBridgeCore
import Synchronization

/// The `connections` table: which node holds each socket, so `@connections` calls work on any node.
///
/// The registry tells it every connect and disconnect; one writer task writes them in batches (the last change of
/// each connection wins, so a socket that came and went before a batch costs one delete). While PostgreSQL is
/// unreachable the changes wait and are written once it is back. A row whose node's lease ran out is as good as
/// gone: lookups answer 410 for it, and every node deletes such rows from time to time.
public final class ClusterConnections: ConnectionMembershipObserver, Sendable {
    /// A connection held by another node, as its row says.
    public struct Remote: Sendable, Equatable {
        public let connectionId: String
        public let node: String
        public let connectedAt: Timestamp
        public let sourceIp: String
        public let userAgent: String
        public let userId: String?
    }

    enum Change: Sendable, Equatable {
        case upsert(ConnectionRecord)
        case delete
    }

    let client: PostgresClient
    let nodeId: String
    let settings: ClusterSettings
    let logger: Logger
    private let wakeup = WakeupSignal()
    private let pending = Mutex<[String: Change]>([:])

    /// Changes waiting beyond this many (PostgreSQL away for long under heavy churn) drop the newest connects.
    static let maximumPending = 500_000
    static let batchSize = 5_000

    public init(store: PostgresEventStore, logger: Logger) {
        self.client = store.client
        self.nodeId = store.node.id
        self.settings = store.settings
        self.logger = logger
    }

    public func connected(_ record: ConnectionRecord) {
        let stored = pending.withLock { pending in
            guard pending.count < Self.maximumPending || pending[record.connectionId] != nil else { return false }
            pending[record.connectionId] = .upsert(record)
            return true
        }
        if stored { wakeup.signal() } else { logger.warning("Connection directory backlog full; a connection is not visible to other nodes") }
    }

    public func disconnected(_ connectionId: String) {
        pending.withLock { $0[connectionId] = .delete }
        wakeup.signal()
    }

    // MARK: Writing

    func runWriter() async {
        var failing = false
        var delay = settings.reconnectDelay
        while !Task.isCancelled {
            let batch: [(String, Change)] = pending.withLock { pending in
                let taken = Array(pending.prefix(Self.batchSize))
                for (id, _) in taken { pending.removeValue(forKey: id) }
                return taken
            }
            guard !batch.isEmpty else {
                await wakeup.wait(until: .now + .seconds(1))
                continue
            }
            do {
                try await withTimeout(settings.commitTimeout) { [self] in try await self.write(batch) }
                if failing { logger.notice("The connection directory reaches PostgreSQL again", metadata: ["pb.node": "\(nodeId)"]) }
                failing = false
                delay = settings.reconnectDelay
            } catch {
                // Back, unless a newer change of the same connection came meanwhile.
                pending.withLock { pending in
                    for (id, change) in batch where pending[id] == nil { pending[id] = change }
                }
                if !failing, !Task.isCancelled {
                    logger.warning(
                        "The connection directory cannot reach PostgreSQL; retrying",
                        metadata: ["pb.node": "\(nodeId)", "pb.reason": "\(PostgresFailure.describe(error))"]
                    )
                }
                failing = true
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, settings.maximumReconnectDelay)
            }
        }
    }

    private func write(_ batch: [(String, Change)]) async throws {
        var ids: [String] = []
        var times: [Int64] = []
        var addresses: [String] = []
        var agents: [String] = []
        var users: [String] = []
        var deleted: [String] = []
        for (id, change) in batch {
            switch change {
            case .upsert(let record):
                ids.append(id)
                times.append(record.connectedAt.milliseconds)
                addresses.append(record.sourceIp)
                agents.append(record.userAgent)
                users.append(record.userId ?? "")
            case .delete:
                deleted.append(id)
            }
        }
        try await client.withTransaction(logger: logger) { [nodeId, logger] connection in
            if !deleted.isEmpty {
                try await connection.query("DELETE FROM connections WHERE id = ANY(\(deleted))", logger: logger).drain()
            }
            if !ids.isEmpty {
                try await connection.query(
                    """
                    INSERT INTO connections (id, node, connected_at, source_ip, user_agent, user_id)
                    SELECT i, \(nodeId), c, s, a, NULLIF(u, '')
                    FROM unnest(\(ids)::text[], \(times)::bigint[], \(addresses)::text[], \(agents)::text[], \(users)::text[]) AS t(i, c, s, a, u)
                    ON CONFLICT (id) DO UPDATE SET node = excluded.node, connected_at = excluded.connected_at,
                        source_ip = excluded.source_ip, user_agent = excluded.user_agent, user_id = excluded.user_id
                    """,
                    logger: logger
                ).drain()
            }
        }
    }

    // MARK: Reading

    /// The connection's row when its node is alive; nil when there is none or its node's lease ran out.
    public func lookup(_ connectionId: String) async throws -> Remote? {
        try await withTimeout(settings.commitTimeout) { [client, logger] in
            let rows = try await client.query(
                """
                SELECT c.node, c.connected_at, c.source_ip, c.user_agent, c.user_id
                FROM connections AS c JOIN nodes AS n ON n.id = c.node
                WHERE c.id = \(connectionId) AND n.lease_until > now()
                """,
                logger: logger
            )
            var found: Remote?
            for try await (node, connectedAt, sourceIp, userAgent, userId) in rows.decode((String, Int64, String, String, String?).self) {
                found = Remote(
                    connectionId: connectionId,
                    node: node,
                    connectedAt: Timestamp(milliseconds: connectedAt),
                    sourceIp: sourceIp,
                    userAgent: userAgent,
                    userId: userId
                )
            }
            return found
        }
    }

    /// The connections of every live node, ordered by connection time then id, after `after` (a page's last
    /// pair); at most `limit`, with the total count.
    public func list(after: (connectedAt: Int64, id: String)?, limit: Int) async throws -> (connections: [Remote], total: Int) {
        let start = after ?? (Int64.min, "")
        return try await withTimeout(settings.commitTimeout) { [client, logger] in
            var total = 0
            let counted = try await client.query(
                "SELECT count(*) FROM connections AS c JOIN nodes AS n ON n.id = c.node AND n.lease_until > now()",
                logger: logger
            )
            for try await count in counted.decode(Int64.self) {
                total = Int(clamping: count)
            }
            let rows = try await client.query(
                """
                SELECT c.id, c.node, c.connected_at, c.source_ip, c.user_agent, c.user_id
                FROM connections AS c JOIN nodes AS n ON n.id = c.node AND n.lease_until > now()
                WHERE (c.connected_at, c.id) > (\(start.0), \(start.1))
                ORDER BY c.connected_at, c.id LIMIT \(Int64(max(0, limit)))
                """,
                logger: logger
            )
            var connections: [Remote] = []
            for try await (id, node, connectedAt, sourceIp, userAgent, userId) in rows.decode((String, String, Int64, String, String, String?).self) {
                connections.append(
                    Remote(
                        connectionId: id,
                        node: node,
                        connectedAt: Timestamp(milliseconds: connectedAt),
                        sourceIp: sourceIp,
                        userAgent: userAgent,
                        userId: userId
                    )
                )
            }
            return (connections, total)
        }
    }

    /// Rows of nodes whose lease ran out: their sockets closed with them.
    func deleteRowsOfDeadNodes() async throws {
        try await client.query(
            """
            DELETE FROM connections AS c WHERE NOT EXISTS (SELECT 1 FROM nodes AS n WHERE n.id = c.node AND n.lease_until > now())
            """,
            logger: logger
        ).drain()
    }

    /// At shutdown: this node's sockets are closed.
    func deleteOwnRows() async throws {
        try await client.query("DELETE FROM connections WHERE node = \(nodeId)", logger: logger).drain()
    }
}
