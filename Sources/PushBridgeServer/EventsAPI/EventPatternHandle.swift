import EventPatterns
import PushBridgeCore
import PushBridgeJSON

/// A compiled pattern for TestEventPattern, with pattern errors in AWS's shape.
struct EventPatternHandle {
    let pattern: EventPattern

    init(_ text: String) throws(AWSServiceError) {
        do {
            pattern = try EventPattern(json: text)
        } catch {
            throw .invalidEventPattern(error.message)
        }
    }

    func matches(_ event: JSONValue) -> Bool { pattern.matches(event) }
}
