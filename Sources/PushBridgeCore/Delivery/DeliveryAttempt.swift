/// One attempt at delivering a message, kept for the DLQ and for operators.
public struct DeliveryAttempt: Sendable, Equatable, Codable {
    public var number: Int
    public var startedAt: Timestamp
    public var failure: DeliveryFailure?

    public init(number: Int, startedAt: Timestamp, failure: DeliveryFailure?) {
        self.number = number
        self.startedAt = startedAt
        self.failure = failure
    }
}
