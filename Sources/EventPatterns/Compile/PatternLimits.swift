/// Service limits applied while compiling a pattern.
///
/// They are not part of the pattern language itself: EventBridge enforces them as quotas, so they are
/// configurable here rather than hard-coded in the compiler.
public struct PatternLimits: Sendable, Equatable {
    /// The hard ceiling AWS allows for `EventPattern` (the default quota is 2048 and can be raised to this).
    public static let absoluteMaximumLength = 4096

    /// Maximum pattern length in characters. Values above ``absoluteMaximumLength`` are clamped to it.
    public var maximumLength: Int {
        didSet { maximumLength = min(maximumLength, Self.absoluteMaximumLength) }
    }
    /// Maximum number of sub-rules the `$or` cross product may produce (AWS: 1000).
    public var maximumOrCombinations: Int
    /// Maximum wildcard complexity, measured as the largest number of automaton states a single wildcard
    /// can keep active at once (see ``WildcardPattern``). AWS does not publish its threshold; with this
    /// measure `*:*:*:*:*:event-bus/*` (rejected by AWS) scores 12 and
    /// `/Users/*/dir/dir/dir/dir/dir/doc.txt` (accepted by AWS) scores 7, so the default of 10 sits between.
    public var maximumWildcardComplexity: Int
    /// The work all of one pattern's wildcard complexity checks may do together, in steps (see
    /// `WildcardWorkBudget`); running out counts as too complex. It bounds the CPU one PutRule can take.
    public var maximumWildcardSteps: Int

    /// Room for two of the costliest wildcards the default complexity limit lets through (300 characters around
    /// two stars take about 370,000 steps), a thousand times what `*a*b*c*d*e*f*g` takes.
    public static let defaultWildcardSteps = 1_000_000

    public init(
        maximumLength: Int = 2048,
        maximumOrCombinations: Int = 1000,
        maximumWildcardComplexity: Int = 10,
        maximumWildcardSteps: Int = defaultWildcardSteps
    ) {
        self.maximumLength = min(maximumLength, Self.absoluteMaximumLength)
        self.maximumOrCombinations = maximumOrCombinations
        self.maximumWildcardComplexity = maximumWildcardComplexity
        self.maximumWildcardSteps = maximumWildcardSteps
    }

    public static let `default` = PatternLimits()
}
