/// Why one delivery attempt failed, with EventBridge's DLQ error codes.
public struct DeliveryFailure: Error, Sendable, Equatable, Codable {
    /// An EventBridge `ERROR_CODE`, e.g. `ERROR_FROM_TARGET`, `TIMEOUT`, `CONNECTION_FAILURE`, `THROTTLING`.
    public var code: String
    public var message: String
    /// Retryable failures are retried under the target's RetryPolicy; others go to the DLQ at once.
    public var retryable: Bool
    /// The target asked to be left alone until then (`Retry-After`).
    public var retryAfter: Timestamp?

    public init(code: String, message: String, retryable: Bool, retryAfter: Timestamp? = nil) {
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retryAfter = retryAfter
    }

    public static func invalidParameter(_ message: String) -> DeliveryFailure {
        .init(code: "INVALID_PARAMETER", message: message, retryable: false)
    }

    public static func noResource(_ message: String) -> DeliveryFailure {
        .init(code: "NO_RESOURCE", message: message, retryable: false)
    }

    public static func internalError(_ message: String) -> DeliveryFailure {
        .init(code: "INTERNAL_ERROR", message: message, retryable: true)
    }
}

/// The result of one delivery attempt.
public enum DeliveryOutcome: Sendable, Equatable {
    case delivered
    case failed(DeliveryFailure)
}
