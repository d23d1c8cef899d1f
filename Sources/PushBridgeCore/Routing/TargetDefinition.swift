import PushBridgeJSON

/// A rule's target as PutTargets (or the configuration file) defined it.
public struct TargetDefinition: Sendable, Equatable {
    public var id: String
    public var arn: String
    public var input: TargetInput
    public var retryPolicy: RetryPolicy
    public var deadLetterArn: String?
    /// `HttpParameters.PathParameterValues`: JSON paths into the event; the first selects the routing key.
    public var pathParameterValues: [String] {
        didSet { routingKeySelector = Self.selector(for: pathParameterValues) }
    }
    /// ``routingKeyPath`` compiled once, so routing an event does not parse it again.
    public private(set) var routingKeySelector: JSONPath?
    /// `HttpParameters.HeaderParameters`: extra headers for HTTP targets.
    public var headerParameters: [(String, String)] = []
    /// A webhook's Standard Webhooks secret (`whsec_…`), taken from the header parameter `webhook-secret`;
    /// it is never sent as a header and never echoed.
    public var webhookSecret: String?
    /// The target as it was given, echoed by ListTargetsByRule (secrets removed).
    public var definition: JSONObject

    public static func == (lhs: TargetDefinition, rhs: TargetDefinition) -> Bool {
        lhs.id == rhs.id && lhs.arn == rhs.arn && lhs.input == rhs.input && lhs.retryPolicy == rhs.retryPolicy
            && lhs.deadLetterArn == rhs.deadLetterArn && lhs.pathParameterValues == rhs.pathParameterValues
            && lhs.headerParameters.elementsEqual(rhs.headerParameters, by: ==) && lhs.webhookSecret == rhs.webhookSecret
            && lhs.definition == rhs.definition
    }

    public init(
        id: String,
        arn: String,
        input: TargetInput = .wholeEvent,
        retryPolicy: RetryPolicy = .default,
        deadLetterArn: String? = nil,
        pathParameterValues: [String] = [],
        definition: JSONObject? = nil
    ) {
        self.id = id
        self.arn = arn
        self.input = input
        self.retryPolicy = retryPolicy
        self.deadLetterArn = deadLetterArn
        self.pathParameterValues = pathParameterValues
        self.routingKeySelector = Self.selector(for: pathParameterValues)
        self.definition = definition ?? JSONObject([("Id", .string(id)), ("Arn", .string(arn))])
    }

    /// The built-in WebSocket target's ARN prefix: `arn:pushbridge:websocket:{region}:{account}:subscribers/*`.
    public static let webSocketArnPrefix = "arn:pushbridge:websocket:"

    public var isWebSocketTarget: Bool { arn.hasPrefix(Self.webSocketArnPrefix) }

    /// The name of the header parameter that carries a webhook's signing secret.
    public static let webhookSecretParameter = "webhook-secret"

    public var isWebhookTarget: Bool { arn.hasPrefix("http://") || arn.hasPrefix("https://") }

    /// The path that selects the routing key: the first path parameter, or `$.detail.entityId`.
    public var routingKeyPath: String { pathParameterValues.first ?? "$.detail.entityId" }

    private static func selector(for pathParameterValues: [String]) -> JSONPath? {
        try? JSONPath(pathParameterValues.first ?? "$.detail.entityId")
    }
}
