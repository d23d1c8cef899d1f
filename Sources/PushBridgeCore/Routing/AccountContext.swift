import Foundation

/// The account and region PushBridge presents itself as, used in ARNs and in delivered events.
public struct AccountContext: Sendable, Equatable {
    public var accountId: String
    public var region: String

    public init(accountId: String = "000000000000", region: String = "us-east-1") {
        self.accountId = accountId
        self.region = region
    }

    public static let defaultBusName = "default"

    /// The bus an `EventBusName` parameter names: a name or an ARN (`…:event-bus/NAME`); absent or empty means `default`.
    public static func busName(from value: String?) -> String {
        guard let value, !value.isEmpty else { return defaultBusName }
        if value.hasPrefix("arn:"), let range = value.range(of: ":event-bus/") { return String(value[range.upperBound...]) }
        return value
    }

    public func busArn(_ bus: String) -> String { "arn:aws:events:\(region):\(accountId):event-bus/\(bus)" }

    /// `rule/{name}` on the default bus, `rule/{bus}/{name}` on others, as AWS writes it.
    public func ruleArn(_ rule: String, bus: String) -> String {
        bus == Self.defaultBusName
            ? "arn:aws:events:\(region):\(accountId):rule/\(rule)" : "arn:aws:events:\(region):\(accountId):rule/\(bus)/\(rule)"
    }

    public var webSocketTargetArn: String { webSocketArn(.entitySubscribers) }

    /// `arn:pushbridge:websocket:{region}:{account}:users/*`: pushes to every connection of a user.
    public var webSocketUsersTargetArn: String { webSocketArn(.userConnections) }

    public func webSocketArn(_ audience: WebSocketAudience) -> String {
        "\(TargetDefinition.webSocketArnPrefix)\(region):\(accountId):\(audience.resource)"
    }
}
