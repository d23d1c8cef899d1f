import PushBridgeCore

/// `@connections` for a socket held by another node: its row in `connections` says which node, and a push record
/// asks that node to send or close. A connection without a row, or whose node's lease ran out, is gone (410).
extension ClusterNode {
    /// The connection's row, when another live node holds it.
    public func remoteConnection(_ connectionId: String) async throws -> ClusterConnections.Remote? {
        guard let remote = try await connections.lookup(connectionId), remote.node != nodeId else { return nil }
        return remote
    }

    /// PostToConnection through the node holding the socket; false when no live node holds it.
    public func postToRemote(_ connectionId: String, frame: String) async throws -> Bool {
        guard try await remoteConnection(connectionId) != nil else { return false }
        push.send(.post(connectionId: connectionId, frame: frame))
        return true
    }

    /// DeleteConnection through the node holding the socket; false when no live node holds it.
    public func disconnectRemote(_ connectionId: String) async throws -> Bool {
        guard try await remoteConnection(connectionId) != nil else { return false }
        push.send(.disconnect(connectionId: connectionId))
        return true
    }
}
