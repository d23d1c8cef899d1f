/// Whom the built-in WebSocket target pushes an event to, chosen by the resource in its ARN.
public enum WebSocketAudience: Sendable, Equatable {
    /// `…:subscribers/*`: the connections subscribed to the entity the routing key names.
    case entitySubscribers
    /// `…:users/*`: every connection of the user the routing key names (the sample's part-four user notifications).
    case userConnections

    public var resource: String {
        switch self {
        case .entitySubscribers: "subscribers/*"
        case .userConnections: "users/*"
        }
    }
}
