import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import PushBridgeCore
import Synchronization

/// The ``EventStore`` of cluster mode: every node of a cluster commits to one PostgreSQL database.
///
/// Same contract as the SQLite journal: changes are committed in groups by one writer task, and PutEvents answers
/// an entry only once its transaction committed; a commit that fails or times out (PostgreSQL unreachable) answers
/// the entries waiting for it with an error, and nothing of them is queued. What differs is what a node recovers:
/// the shared configuration and DLQ, and only the messages whose node's lease ran out (claimed for this node), not
/// the messages live nodes are delivering.
///
/// Opened by ``open(url:node:settings:logger:)`` before the server builds its runtime: migrations, the node's row,
/// and the first claim happen there, asynchronously.
public final class PostgresEventStore: EventStore {
    public let url: PostgresURL
    public let node: NodeIdentity
    public let settings: ClusterSettings
    let client: PostgresClient
    let reader: StoreReader
    let groupCommit: GroupCommit
    let logger: Logger
    private let clientTask: Task<Void, Never>
    private let writerTask: Mutex<Task<Void, Never>?> = Mutex(nil)
    private let recovered: Mutex<RecoveredState?>
    /// The configuration version of the snapshot ``recover()`` returned.
    let recoveredConfigurationVersion: Int64

    private init(
        url: PostgresURL,
        node: NodeIdentity,
        settings: ClusterSettings,
        client: PostgresClient,
        clientTask: Task<Void, Never>,
        recovered: RecoveredState,
        configurationVersion: Int64,
        logger: Logger
    ) {
        self.url = url
        self.node = node
        self.settings = settings
        self.client = client
        self.clientTask = clientTask
        self.reader = StoreReader(logger: logger)
        self.groupCommit = GroupCommit(
            client: client,
            writer: ChangeWriter(nodeId: node.id, logger: logger),
            commitTimeout: settings.commitTimeout,
            retryBacklogLimit: 100_000,
            logger: logger
        )
        self.recovered = Mutex(recovered)
        self.recoveredConfigurationVersion = configurationVersion
        self.logger = logger
        let groupCommit = self.groupCommit
        writerTask.withLock { $0 = Task { await groupCommit.run() } }
    }

    /// Connects, migrates the schema, registers this node and reads what it starts from.
    ///
    /// - Throws: ``EventStoreError/Kind/inaccessible`` when PostgreSQL cannot be reached or refuses the login
    ///   (after ``ClusterSettings/commitTimeout``), ``EventStoreError/Kind/unreadable`` when the schema is newer
    ///   than this build. The error's `path` is the URL without its password.
    public static func open(
        url: PostgresURL,
        node: NodeIdentity = .random(),
        settings: ClusterSettings = ClusterSettings(),
        logger: Logger
    ) async throws(EventStoreError) -> PostgresEventStore {
        let client = PostgresClient(configuration: clientConfiguration(url, settings: settings), backgroundLogger: logger)
        let clientTask = Task { await client.run() }
        let reader = StoreReader(logger: logger)
        do {
            let state = try await withTimeout(settings.commitTimeout * 2) {
                _ = try await SchemaMigrator.migrate(client, logger: logger)
                try await client.query(
                    """
                    INSERT INTO nodes (id, lease_until) VALUES (\(node.id), now() + make_interval(secs => \(settings.leaseDuration.totalSeconds)))
                    """,
                    logger: logger
                ).drain()
                let configuration = try await reader.readConfiguration(client)
                let deadLetters = try await reader.readDeadLetters(client)
                var messages: [RecoveredMessage] = []
                // Everything nodes that stopped left, in batches; bounded so a start cannot loop forever.
                for _ in 0..<10_000 {
                    let batch = try await reader.claimMessages(client, nodeId: node.id, limit: 10_000)
                    messages += batch
                    if batch.count < 10_000 { break }
                }
                return (configuration, deadLetters, messages)
            }
            let recovered = RecoveredState(
                buses: state.0.buses,
                rules: state.0.rules,
                targets: state.0.targets,
                messages: state.2,
                deadLetters: state.1
            )
            logger.info(
                "Joined the cluster",
                metadata: ["pb.node": "\(node.id)", "pb.postgres": "\(url)", "pb.config_version": "\(state.0.version)"]
            )
            return PostgresEventStore(
                url: url,
                node: node,
                settings: settings,
                client: client,
                clientTask: clientTask,
                recovered: recovered,
                configurationVersion: state.0.version,
                logger: logger
            )
        } catch {
            clientTask.cancel()
            if let error = error as? EventStoreError {
                throw EventStoreError(error.kind, path: url.description, reason: error.reason)
            }
            throw EventStoreError(.inaccessible, path: url.description, reason: PostgresFailure.describe(error))
        }
    }

    static func clientConfiguration(_ url: PostgresURL, settings: ClusterSettings) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch url.tlsMode {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        var configuration = PostgresClient.Configuration(
            host: url.host,
            port: url.port,
            username: url.username,
            password: url.password,
            database: url.database,
            tls: tls
        )
        configuration.options.connectTimeout = settings.commitTimeout
        // The writer, two listeners, the heartbeat and the claimer, and reads of the admin API.
        configuration.options.maximumConnections = 10
        configuration.options.minimumConnections = 2
        configuration.options.keepAliveBehavior = .init(frequency: .seconds(10))
        return configuration
    }

    public var isDurable: Bool { true }

    /// What ``open(url:node:settings:logger:)`` read; a second call returns nothing (it was handed over).
    public func recover() throws(EventStoreError) -> RecoveredState {
        recovered.withLock { state in
            defer { state = nil }
            return state ?? .empty
        }
    }

    public func submit(_ changes: [StoreChange], completion: (@Sendable (Result<Void, EventStoreError>) -> Void)?) {
        groupCommit.submit(changes, completion: completion)
    }

    /// Stops taking changes and lets the writer commit what is pending, without waiting; ``shutdown()`` waits.
    public func close() {
        groupCommit.stop()
    }

    /// Commits what is pending, gives this node's messages up at once (its lease ends now, so other nodes claim
    /// them without waiting for it to run out), and disconnects.
    public func shutdown() async {
        groupCommit.stop()
        await writerTask.withLock { $0 }?.value
        do {
            try await withTimeout(settings.commitTimeout) { [client, node, logger] in
                try await client.query("UPDATE nodes SET lease_until = now() WHERE id = \(node.id)", logger: logger).drain()
            }
        } catch {
            logger.warning("Could not give this node's messages up at shutdown; other nodes claim them once its lease runs out")
        }
        clientTask.cancel()
    }

    /// How long claims of schedule firings are kept: far past any clock difference between nodes.
    static let firingClaimRetention: Duration = .seconds(86_400)

    /// The node whose row for this firing is inserted first sends it; the others see the conflict. Claims a day old
    /// are pruned on the way (the firing-time index makes that a range delete).
    public func claimFiring(ruleArn: String, at time: Timestamp) async throws(EventStoreError) -> Bool {
        let cutoff = time + (.zero - Self.firingClaimRetention)
        do {
            return try await withTimeout(settings.commitTimeout) { [client, node, logger] in
                try await client.query("DELETE FROM schedule_firings WHERE fire_at < \(cutoff.milliseconds)", logger: logger).drain()
                let rows = try await client.query(
                    """
                    INSERT INTO schedule_firings (rule_arn, fire_at, node) VALUES (\(ruleArn), \(time.milliseconds), \(node.id))
                    ON CONFLICT DO NOTHING RETURNING 1
                    """,
                    logger: logger
                )
                var claimed = false
                for try await _ in rows { claimed = true }
                return claimed
            }
        } catch {
            throw EventStoreError(.writeFailed, path: url.description, reason: PostgresFailure.describe(error))
        }
    }

    /// Transactions committed since the store opened.
    public var transactionCount: Int { groupCommit.transactionCount }
}

extension Duration {
    /// Whole and fractional seconds, for PostgreSQL intervals.
    var totalSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
