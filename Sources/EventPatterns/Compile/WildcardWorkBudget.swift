/// The work one pattern's wildcard complexity checks may do together, shared by all its `wildcard` values.
///
/// Each value's check explores subsets of its automaton, at most ``WildcardPattern/complexity(exceedingLimit:maximumSubsets:budget:)``'s
/// `maximumSubsets` of them; without a budget across values, a pattern of many long wildcards repeats that work
/// for each and one PutRule could hold a thread for seconds. Running out counts as too complex.
final class WildcardWorkBudget {
    static let defaultSteps = PatternLimits.defaultWildcardSteps

    private(set) var remainingSteps: Int

    init(steps: Int = defaultSteps) {
        remainingSteps = max(0, steps)
    }

    /// Takes `steps`; false once the budget is spent.
    func spend(_ steps: Int) -> Bool {
        guard remainingSteps >= steps else {
            remainingSteps = 0
            return false
        }
        remainingSteps -= steps
        return true
    }
}
