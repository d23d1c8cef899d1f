import CurlTransport
import Logging
import OutboundTargets
import PushBridgeAuth
import PushBridgeCore
import PushBridgePostgres
import PushBridgeSQLite

/// The domain objects one server runs on, wired together once.
public final class PushBridgeRuntime: Sendable {
    public let configuration: ServerConfiguration
    public let registry: ConnectionRegistry
    public let deadLetters: InMemoryDeadLetterStore
    /// Where state outlives the process (``ServerConfiguration/storage``); closed by ``ServeRunner``.
    public let store: any EventStore
    /// Cluster mode's heartbeat, claims and configuration following; nil on a single node. Run by ``ServeRunner``.
    public let cluster: ClusterNode?
    public let workers: DeliveryWorkers
    public let router: EventRouter
    public let ingest: EventIngest
    public let fanOutStatistics: FanOutStatistics
    /// The one outbound HTTP client (libcurl) every webhook and AWS target shares.
    public let httpClient: CurlHTTPClient
    /// Verifies `$connect` tokens; nil when no JWT authentication is configured.
    public let authenticator: JWTAuthenticator?
    /// Asks the authorizer webhook on `$connect`; nil when none is configured.
    public let connectAuthorizer: ConnectAuthorizer?
    /// Asks the `url:` subscribe policy's webhook; nil with other policies.
    public let subscribeWebhook: SubscribeWebhook?
    /// Who may subscribe to what (``ServerConfiguration/effectiveSubscribePolicy``).
    public var subscribePolicy: SubscribePolicy { configuration.effectiveSubscribePolicy }
    public let connectionIds = ConnectionIDGenerator()
    public let requestIds = ConnectionIDGenerator()
    /// The retry policy a target gets when PutTargets gives none (EventBridge's limits, our backoff).
    public var retryDefaults: RetryPolicy {
        RetryPolicy(baseDelay: configuration.retryBaseDelay, maximumDelay: configuration.retryMaximumDelay)
    }

    public init(
        configuration: ServerConfiguration,
        observer: any DeliveryObserver = NoDeliveryObserver(),
        ingestObserver: (any IngestObserver)? = nil,
        store openedStore: (any EventStore)? = nil,
        logger: Logger
    ) throws {
        self.configuration = configuration
        let store = try openedStore ?? Self.openStore(configuration.storage, logger: logger)
        self.store = store
        let recovered: RecoveredState
        do {
            let started = ContinuousClock.now
            recovered = try store.recover()
            self.recoveryTime = ContinuousClock.now - started
        } catch {
            store.close()
            throw error
        }
        self.registry = ConnectionRegistry(maximumSubscriptionsPerConnection: configuration.maximumSubscriptionsPerConnection)
        self.deadLetters = InMemoryDeadLetterStore(
            maximumEntries: configuration.deadLetterCapacity,
            maximumBytes: configuration.deadLetterMaximumBytes,
            retention: configuration.deadLetterRetention,
            store: store,
            logger: logger
        )
        self.workers = DeliveryWorkers()
        self.fanOutStatistics = FanOutStatistics()
        let httpClient = CurlHTTPClient(outboundPolicy: configuration.outboundPolicy, logger: logger)
        self.httpClient = httpClient
        do {
            self.authenticator = try Self.makeAuthenticator(configuration, client: httpClient, logger: logger)
        } catch {
            store.close()
            throw error
        }
        self.connectAuthorizer = configuration.authorizer.map {
            ConnectAuthorizer(settings: $0, account: configuration.account, client: httpClient)
        }
        if case .url(let url) = configuration.effectiveSubscribePolicy {
            self.subscribeWebhook = SubscribeWebhook(
                url: url,
                timeToLive: configuration.subscribePolicyTimeToLive,
                timeout: configuration.subscribePolicyTimeout,
                client: httpClient
            )
        } else {
            self.subscribeWebhook = nil
        }
        let outbound = OutboundTargetFactory(client: httpClient, timeout: configuration.outboundTimeout)
        // Cluster mode: WebSocket messages reach the other nodes' sockets too.
        let clusterStore = store as? PostgresEventStore
        let push = clusterStore.map { [registry, fanOutStatistics] in
            ClusterPush(store: $0, registry: registry, statistics: fanOutStatistics, logger: logger)
        }
        self.router = EventRouter(
            account: configuration.account,
            queueCapacity: configuration.queueCapacity,
            delivererFactory: BuiltInTargets(
                registry: registry,
                statistics: fanOutStatistics,
                account: configuration.account,
                outbound: outbound,
                relay: push
            ),
            deadLetters: deadLetters,
            deadLetterForwarder: SQSDeadLetterForwarder(factory: outbound, logger: logger),
            workers: workers,
            observer: observer,
            budget: MemoryBudget(limit: configuration.queueMaximumBytes),
            store: store,
            logger: logger
        )
        self.ingest = EventIngest(
            validator: PutEventsValidator(maximumRequestSize: configuration.maximumPutEventsSize),
            router: router,
            observer: ingestObserver
        )
        if let clusterStore, let push {
            let retryDefaults = RetryPolicy(baseDelay: configuration.retryBaseDelay, maximumDelay: configuration.retryMaximumDelay)
            let connections = ClusterConnections(store: clusterStore, logger: logger)
            registry.observe(connections)
            self.cluster = ClusterNode(
                store: clusterStore,
                router: router,
                deadLetters: deadLetters,
                retryDefaults: retryDefaults,
                push: push,
                connections: connections,
                logger: logger
            )
        } else {
            self.cluster = nil
        }
        // What was kept comes back first; the built-in rule and the rules file then apply over it, as PutRule and
        // PutTargets would, and the messages are put back last, once their targets exist.
        var messages = recovered
        messages.messages = []
        var summary = router.restore(messages, retryDefaults: retryDefaults)
        if configuration.installDefaultRule { try DefaultRouting.install(into: router, retryPolicy: retryDefaults) }
        // Only authenticated connections have users to notify.
        if configuration.installDefaultRule, configuration.authenticatesConnections {
            try DefaultRouting.UserNotifications.install(into: router, retryPolicy: retryDefaults)
        }
        if let rulesFile = configuration.rulesFile { try RulesFile.apply(path: rulesFile, to: self) }
        // The DLQ first: a message whose target is gone joins it after the older entries.
        let deadLetterCount = deadLetters.restore(recovered.deadLetters)
        let restored = router.restore(RecoveredState(messages: recovered.messages), retryDefaults: retryDefaults)
        summary.messages = restored.messages
        summary.waitingForRetry = restored.waitingForRetry
        summary.deadLettered = restored.deadLettered
        if store.isDurable {
            logger.info(
                store is PostgresEventStore ? "Recovered from PostgreSQL" : "Recovered from the data directory",
                metadata: [
                    "pb.buses": "\(summary.buses)", "pb.rules": "\(summary.rules)", "pb.targets": "\(summary.targets)",
                    "pb.messages": "\(summary.messages)", "pb.waiting_retry": "\(summary.waitingForRetry)",
                    "pb.dead_lettered_at_start": "\(summary.deadLettered)", "pb.dlq": "\(deadLetterCount)",
                    "pb.duration": "\(recoveryTime)",
                ]
            )
        }
    }

    /// How long reading the store took at start.
    public let recoveryTime: Duration

    /// The JWT verifier the configuration asks for; a JWKS file is read and checked now, a URL is fetched by
    /// ``JWKSRefresher`` once the server runs.
    private static func makeAuthenticator(_ configuration: ServerConfiguration, client: CurlHTTPClient, logger: Logger) throws -> JWTAuthenticator? {
        let settings = configuration.jwt
        guard settings.isEnabled else { return nil }
        let jwks: JWKSKeys? =
            switch settings.jwks {
            case nil: nil
            case .file(let path)?: try JWKSKeys.load(file: path, logger: logger)
            case .url(let url)?: JWKSKeys.remote(url: url, client: client, timeout: configuration.outboundTimeout, logger: logger)
            }
        return JWTAuthenticator(settings: settings, jwks: jwks)
    }

    private static func openStore(_ storage: ServerConfiguration.Storage, logger: Logger) throws -> any EventStore {
        switch storage {
        case .inMemory: return InMemoryEventStore()
        case .dataDirectory(let directory, let synchronous):
            return try SQLiteEventStore(directory: directory, synchronous: synchronous, logger: logger)
        case .postgres(let url):
            // Connecting is asynchronous: the caller opens the store and passes it (`store:`).
            throw EventStoreError(.closed, path: url.description, reason: "the PostgreSQL store must be opened before the runtime is built")
        }
    }
}

/// The target kinds this server can deliver to, chosen by ARN.
struct BuiltInTargets: TargetDelivererFactory {
    let registry: ConnectionRegistry
    let statistics: FanOutStatistics
    let account: AccountContext
    let outbound: OutboundTargetFactory
    /// Cluster mode: the other nodes.
    let relay: (any FanOutRelay)?

    func deliverer(for target: TargetDefinition, rule: RuleDefinition) throws(TargetRejection) -> any TargetDeliverer {
        if target.isWebSocketTarget {
            return WebSocketFanOut(registry: registry, statistics: statistics, audience: target.webSocketAudience, relay: relay)
        }
        if outbound.handles(target) { return try outbound.deliverer(for: target) }
        throw TargetRejection(
            errorCode: "ValidationException",
            errorMessage: """
                Target \(target.id): unsupported Arn \(target.arn); use \(account.webSocketTargetArn) for WebSocket subscribers \
                (or \(account.webSocketUsersTargetArn) for a user's connections), \
                an http(s):// URL for a webhook, or an EventBridge bus, SQS queue or API Gateway WebSocket API ARN.
                """
        )
    }
}
