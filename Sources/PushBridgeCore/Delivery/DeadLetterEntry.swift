/// An event a target could not take, with EventBridge's DLQ attributes and the history of its attempts.
public struct DeadLetterEntry: Sendable, Equatable, Codable, Identifiable {
    public var id: String
    public var eventId: String
    /// The event as it was delivered (JSON text), so it can be inspected and redriven.
    public var event: String
    public var target: TargetKey
    public var ruleArn: String
    public var targetArn: String
    public var errorCode: String
    public var errorMessage: String
    /// Set when a retry limit ended delivery (not for non-retryable failures).
    public var exhaustedRetryCondition: RetryPolicy.ExhaustedCondition?
    public var retryAttempts: Int
    public var attempts: [DeliveryAttempt]
    public var ingestedAt: Timestamp
    public var firstAttemptAt: Timestamp?
    public var lastAttemptAt: Timestamp?
    public var deadLetteredAt: Timestamp

    /// The message attributes EventBridge puts on a DLQ message, by their AWS names.
    public var attributes: [String: String] {
        var attributes = [
            "RULE_ARN": ruleArn,
            "TARGET_ARN": targetArn,
            "ERROR_CODE": errorCode,
            "ERROR_MESSAGE": errorMessage,
            "RETRY_ATTEMPTS": String(retryAttempts),
        ]
        if let exhaustedRetryCondition { attributes["EXHAUSTED_RETRY_CONDITION"] = exhaustedRetryCondition.rawValue }
        return attributes
    }
}
