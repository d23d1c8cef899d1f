/// Builds the deliverer for a target from its ARN; the server provides one that knows every target kind.
public protocol TargetDelivererFactory: Sendable {
    /// Throws a message for PutTargets' FailedEntries when the ARN names no supported target.
    func deliverer(for target: TargetDefinition, rule: RuleDefinition) throws(TargetRejection) -> any TargetDeliverer
}

/// Why a target was not accepted, in PutTargets' FailedEntries shape.
public struct TargetRejection: Error, Sendable, Equatable {
    public var errorCode: String
    public var errorMessage: String

    public init(errorCode: String, errorMessage: String) {
        self.errorCode = errorCode
        self.errorMessage = errorMessage
    }
}
