/// Delivers one message to one kind of target (WebSocket subscribers, a webhook, an AWS API).
public protocol TargetDeliverer: Sendable {
    /// How many deliveries of this target may be in flight at once.
    var maximumConcurrency: Int { get }
    func deliver(_ message: DeliveryMessage) async -> DeliveryOutcome
}
