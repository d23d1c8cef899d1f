/// Sends a dead letter to a target's own dead-letter destination (EventBridge's `DeadLetterConfig`), in addition
/// to the built-in DLQ.
public protocol DeadLetterForwarder: Sendable {
    /// Whether `arn` names a destination this forwarder can send to (checked at PutTargets).
    func accepts(_ arn: String) -> Bool
    /// Best effort: a failure is logged; the entry stays in the built-in DLQ either way.
    func forward(_ entry: DeadLetterEntry, to arn: String) async
}
