import PushBridgeJSON

/// How a target's input is made from an event: EventBridge's `Input`, `InputPath` or `InputTransformer`,
/// or, with none of them, the whole event.
public enum TargetInput: Sendable, Equatable {
    case wholeEvent
    case constant(String)
    case path(JSONPath)
    case transformer(InputTransformer)

    /// The reserved values a transformer may use besides its own paths.
    public struct Context: Sendable {
        public var ruleName: String
        public var ruleArn: String

        public init(ruleName: String, ruleArn: String) {
            self.ruleName = ruleName
            self.ruleArn = ruleArn
        }
    }

    public func render(_ event: Event, context: Context) -> String {
        render(event, context: context, limit: .max) ?? ""
    }

    /// The input, or nil when a transformer would make it longer than `limit` bytes (the other kinds are at most
    /// the event itself).
    public func render(_ event: Event, context: Context, limit: Int) -> String? {
        switch self {
        case .wholeEvent: return event.jsonText
        case .constant(let text): return text
        case .path(let path): return path.evaluate(event.json)?.jsonText ?? ""
        case .transformer(let transformer): return transformer.render(event, context: context, limit: limit)
        }
    }
}
