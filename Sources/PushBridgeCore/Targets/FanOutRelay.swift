/// Where a WebSocket-target message goes besides this process's own subscribers: in cluster mode, the other
/// nodes, which push it to theirs. ``relay(audience:key:frame:)`` is called once per message, in delivery order,
/// from the target's queue or, when nothing is queued ahead, from the producer of the message; it must not wait.
public protocol FanOutRelay: Sendable {
    func relay(audience: WebSocketAudience, key: String, frame: String)
}

/// Told when a connection joins or leaves this process's ``ConnectionRegistry`` (cluster mode records where each
/// connection lives). Called outside the registry's lock; must not wait.
public protocol ConnectionMembershipObserver: Sendable {
    func connected(_ record: ConnectionRecord)
    func disconnected(_ connectionId: String)
}
