import PushBridgeJSON

/// One compiled and validated EventBridge event pattern.
///
/// Compiling validates exactly what EventBridge validates (see ``InvalidEventPattern``) and expands `$or`
/// into sub-rules. Matching a single pattern runs the same indexed matcher used for many rules
/// (``RuleMatcher``), so both paths share one semantics.
public struct EventPattern: Sendable {
    /// The original pattern text.
    public let source: String
    /// The `$or`-expanded branches; the pattern matches when any of them does.
    let subRules: [SubRule]
    private let matcher: RuleMatcher<Int>

    public init(json text: String, limits: PatternLimits = .default) throws(InvalidEventPattern) {
        let length = text.utf16.count
        guard length <= limits.maximumLength else {
            throw InvalidEventPattern(
                reason: "Event pattern is too long: \(length) characters, the maximum is \(limits.maximumLength)",
                pattern: text
            )
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(text)
        } catch {
            let syntax = JSONSyntaxReason.reason(for: error, in: text)
            throw InvalidEventPattern(reason: syntax.reason, pattern: text, line: error.line, column: syntax.column)
        }
        do {
            self.subRules = try PatternCompiler(limits: limits).compile(value)
        } catch {
            throw InvalidEventPattern(reason: error.reason, pattern: text)
        }
        self.source = text
        var matcher = RuleMatcher<Int>()
        matcher.add(subRules: subRules, for: 0)
        self.matcher = matcher
    }

    public func matches(_ event: JSONValue) -> Bool { matches(flattened(event)) }

    public func matches(_ event: FlattenedEvent) -> Bool { !matcher.matchingRules(for: event).isEmpty }

    /// `event` with only the leaves this pattern reads. The event's other paths, however deep or long, cost
    /// nothing: flattening all of them stored every distinct path in full, and TestEventPattern with one detail
    /// of long keys nested a thousand deep asked for hundreds of megabytes.
    func flattened(_ event: JSONValue) -> FlattenedEvent { matcher.flattened(event) }

    /// The number of sub-rules the `$or` cross product produced.
    public var subRuleCount: Int { subRules.count }
}
