/// Delivers one message to one kind of target (WebSocket subscribers, a webhook, an AWS API).
public protocol TargetDeliverer: Sendable {
    /// How many deliveries of this target may be in flight at once.
    var maximumConcurrency: Int { get }
    func deliver(_ message: DeliveryMessage) async -> DeliveryOutcome

    /// Delivers `message` before returning, for a deliverer that never waits (WebSocket fan-out only queues
    /// frames); nil when it cannot, and the message takes the queue. A failure must mean nothing was delivered:
    /// the queue then takes the message as if this had not been called, and its first attempt is the queue's.
    func deliverAtOnce(_ message: DeliveryMessage) -> DeliveryOutcome?
}

extension TargetDeliverer {
    public func deliverAtOnce(_ message: DeliveryMessage) -> DeliveryOutcome? { nil }
}
