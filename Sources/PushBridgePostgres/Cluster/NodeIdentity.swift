import PushBridgeCore

/// A node's name in the cluster: random at every start, so a restarted process never inherits the leases of the
/// one that died (its messages are claimed through the dead node's expired lease like any other's).
public struct NodeIdentity: Sendable, Equatable, CustomStringConvertible {
    public let id: String

    public init(id: String) { self.id = id }

    public static func random() -> NodeIdentity { NodeIdentity(id: UUIDText.random()) }

    public var description: String { id }
}
