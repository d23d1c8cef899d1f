import PushBridgeJSON

/// A rule's target as PutTargets (or the configuration file) defined it.
public struct TargetDefinition: Sendable, Equatable {
    public var id: String
    public var arn: String {
        didSet { routingKeySelector = Self.selector(for: pathParameterValues, arn: arn) }
    }
    public var input: TargetInput
    public var retryPolicy: RetryPolicy
    public var deadLetterArn: String?
    /// `HttpParameters.PathParameterValues`: JSON paths into the event (`$.detail.orderId`) or literal values, as
    /// AWS takes them; the first gives the routing key.
    public var pathParameterValues: [String] {
        didSet {
            routingKeySelector = Self.selector(for: pathParameterValues, arn: arn)
            routingKeyLiteral = Self.literal(of: pathParameterValues)
        }
    }
    /// ``routingKeyPath`` compiled once, so routing an event does not parse it again.
    public private(set) var routingKeySelector: JSONPath?
    /// The routing key itself when the first path parameter is a literal value (not a JSON path): every event the
    /// rule matches goes to that key (a WebSocket target's entity, an API Gateway connection).
    public private(set) var routingKeyLiteral: String?
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
        self.routingKeySelector = Self.selector(for: pathParameterValues, arn: arn)
        self.routingKeyLiteral = Self.literal(of: pathParameterValues)
        self.definition = definition ?? JSONObject([("Id", .string(id)), ("Arn", .string(arn))])
    }

    /// The built-in WebSocket target's ARN prefix: `arn:pushbridge:websocket:{region}:{account}:subscribers/*`.
    public static let webSocketArnPrefix = "arn:pushbridge:websocket:"

    public var isWebSocketTarget: Bool { arn.hasPrefix(Self.webSocketArnPrefix) }

    /// Whom a WebSocket target pushes to, by the resource its ARN names: `users/*` selects every connection of the
    /// user the routing key names; anything else (`subscribers/*`) the subscribers of the entity it names.
    public var webSocketAudience: WebSocketAudience {
        arn.hasSuffix(":" + WebSocketAudience.userConnections.resource) ? .userConnections : .entitySubscribers
    }

    /// The name of the header parameter that carries a webhook's signing secret.
    public static let webhookSecretParameter = "webhook-secret"

    public var isWebhookTarget: Bool { arn.hasPrefix("http://") || arn.hasPrefix("https://") }

    /// The path that selects the routing key: the first path parameter, or `$.detail.userId` for a `users/*`
    /// WebSocket target and `$.detail.entityId` for any other.
    public var routingKeyPath: String { Self.routingKeyPath(pathParameterValues, arn: arn) }

    private static func routingKeyPath(_ pathParameterValues: [String], arn: String) -> String {
        if let first = pathParameterValues.first { return first }
        return arn.hasPrefix(webSocketArnPrefix) && arn.hasSuffix(":" + WebSocketAudience.userConnections.resource)
            ? "$.detail.userId" : "$.detail.entityId"
    }

    private static func selector(for pathParameterValues: [String], arn: String) -> JSONPath? {
        guard literal(of: pathParameterValues) == nil else { return nil }
        return try? JSONPath(routingKeyPath(pathParameterValues, arn: arn))
    }

    /// AWS reads a path parameter value that starts with `$` as a JSON path and any other as itself.
    static func isJSONPath(_ value: String) -> Bool { value.hasPrefix("$") }

    private static func literal(of pathParameterValues: [String]) -> String? {
        guard let first = pathParameterValues.first, !isJSONPath(first) else { return nil }
        return first
    }
}
