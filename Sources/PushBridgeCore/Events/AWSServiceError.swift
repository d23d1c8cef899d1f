/// A whole-request failure in the shape every AWS SDK understands: an error code (`__type`) and a message,
/// returned with an HTTP status.
public struct AWSServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: String
    public let message: String
    public let httpStatus: Int

    public init(code: String, message: String, httpStatus: Int = 400) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
    }

    public var description: String { "\(code): \(message)" }

    public static func validation(_ message: String) -> AWSServiceError { .init(code: "ValidationException", message: message) }
    public static func serialization(_ message: String) -> AWSServiceError { .init(code: "SerializationException", message: message) }
    public static func resourceNotFound(_ message: String) -> AWSServiceError { .init(code: "ResourceNotFoundException", message: message) }
    public static func resourceAlreadyExists(_ message: String) -> AWSServiceError {
        .init(code: "ResourceAlreadyExistsException", message: message)
    }
    public static func limitExceeded(_ message: String) -> AWSServiceError { .init(code: "LimitExceededException", message: message) }
    public static func invalidEventPattern(_ message: String) -> AWSServiceError { .init(code: "InvalidEventPatternException", message: message) }
    public static func unknownOperation(_ operation: String) -> AWSServiceError {
        .init(code: "UnknownOperationException", message: "Unknown operation \(operation)")
    }
    public static func internalFailure(_ message: String) -> AWSServiceError {
        .init(code: "InternalException", message: message, httpStatus: 500)
    }
}
