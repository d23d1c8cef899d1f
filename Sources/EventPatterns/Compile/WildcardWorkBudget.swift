/// The work one pattern's wildcard complexity checks may do together, shared by all its `wildcard` values.
///
/// Each value's check explores subsets of its automaton, at most ``WildcardPattern/complexity(exceedingLimit:maximumSubsets:budget:)``'s
/// `maximumSubsets` of them; without a budget across values, a pattern of many long wildcards repeats that work
/// for each and one PutRule could hold a thread for seconds. Running out counts as too complex.
final class WildcardWorkBudget {
    /// A hundred times what a heavy real wildcard needs (`*a*b*c*d*e*f*g` takes under 10,000 steps), and a small
    /// fraction of a second even in a debug build.
    static let defaultSteps = 1_000_000

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
