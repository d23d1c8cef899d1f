import CurlTransport
import Logging
import OutboundTargets
import PushBridgeCore

/// The domain objects one server runs on, wired together once.
public final class PushBridgeRuntime: Sendable {
    public let configuration: ServerConfiguration
    public let registry: ConnectionRegistry
    public let deadLetters: InMemoryDeadLetterStore
    public let workers: DeliveryWorkers
    public let router: EventRouter
    public let ingest: EventIngest
    public let fanOutStatistics: FanOutStatistics
    /// The one outbound HTTP client (libcurl) every webhook and AWS target shares.
    public let httpClient: CurlHTTPClient
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
        logger: Logger
    ) throws {
        self.configuration = configuration
        self.registry = ConnectionRegistry(maximumSubscriptionsPerConnection: configuration.maximumSubscriptionsPerConnection)
        self.deadLetters = InMemoryDeadLetterStore(
            maximumEntries: configuration.deadLetterCapacity,
            maximumBytes: configuration.deadLetterMaximumBytes,
            logger: logger
        )
        self.workers = DeliveryWorkers()
        self.fanOutStatistics = FanOutStatistics()
        self.httpClient = CurlHTTPClient(outboundPolicy: configuration.outboundPolicy, logger: logger)
        let outbound = OutboundTargetFactory(client: httpClient, timeout: configuration.outboundTimeout)
        self.router = EventRouter(
            account: configuration.account,
            queueCapacity: configuration.queueCapacity,
            delivererFactory: BuiltInTargets(
                registry: registry,
                statistics: fanOutStatistics,
                account: configuration.account,
                outbound: outbound
            ),
            deadLetters: deadLetters,
            deadLetterForwarder: SQSDeadLetterForwarder(factory: outbound, logger: logger),
            workers: workers,
            observer: observer,
            budget: MemoryBudget(limit: configuration.queueMaximumBytes),
            logger: logger
        )
        self.ingest = EventIngest(
            validator: PutEventsValidator(maximumRequestSize: configuration.maximumPutEventsSize),
            router: router,
            observer: ingestObserver
        )
        if configuration.installDefaultRule { try DefaultRouting.install(into: router, retryPolicy: retryDefaults) }
        if let rulesFile = configuration.rulesFile { try RulesFile.apply(path: rulesFile, to: self) }
    }
}

/// The target kinds this server can deliver to, chosen by ARN.
struct BuiltInTargets: TargetDelivererFactory {
    let registry: ConnectionRegistry
    let statistics: FanOutStatistics
    let account: AccountContext
    let outbound: OutboundTargetFactory

    func deliverer(for target: TargetDefinition, rule: RuleDefinition) throws(TargetRejection) -> any TargetDeliverer {
        if target.isWebSocketTarget { return WebSocketFanOut(registry: registry, statistics: statistics) }
        if outbound.handles(target) { return try outbound.deliverer(for: target) }
        throw TargetRejection(
            errorCode: "ValidationException",
            errorMessage: """
                Target \(target.id): unsupported Arn \(target.arn); use \(account.webSocketTargetArn) for WebSocket subscribers, \
                an http(s):// URL for a webhook, or an EventBridge bus, SQS queue or API Gateway WebSocket API ARN.
                """
        )
    }
}
