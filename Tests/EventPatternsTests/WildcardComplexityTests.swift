import TestSupport
import Testing

@testable import EventPatterns

/// The complexity check works on bit sets; these compare it with the plain definition (sets of state numbers),
/// including the work it charges to the shared budget, which decides where a long pattern stops being accepted.
@Suite("Wildcard complexity")
struct WildcardComplexityTests {
    @Test("Bit-set exploration gives the plain definition's complexity and spends the same budget")
    func matchesTheReferenceDefinition() throws {
        var random = SplitMix(seed: 0x5EED)
        let pieces = ["a", "b", "ab", "ba", "é", "\\*", "x", ""]
        for _ in 0..<400 {
            var text = ""
            for index in 0..<Int(random.next() % 9) {
                if index > 0 || random.next() % 2 == 0 { text += "*" }
                for _ in 0..<(1 + Int(random.next() % 4)) { text += pieces[Int(random.next() % UInt64(pieces.count))] }
            }
            guard let pattern = try? WildcardPattern(parsing: text) else { continue }
            for limit in [3, 50, Int.max] {
                let budget = WildcardWorkBudget(steps: 200_000)
                let reference = ReferenceComplexity(pattern.segments)
                let expected = reference.complexity(exceedingLimit: limit, maximumSubsets: 500, steps: 200_000)
                #expect(pattern.complexity(exceedingLimit: limit, maximumSubsets: 500, budget: budget) == expected.value, "\(text)")
                #expect(budget.remainingSteps == expected.remainingSteps, "\(text)")
            }
        }
    }

    @Test("Patterns longer than one 64-bit word of states carry states across words")
    func statesBeyondOneWord() throws {
        let long = String(repeating: "ab", count: 70)
        let pattern = try WildcardPattern(parsing: "*" + long + "*" + long + "*")
        let expected = ReferenceComplexity(pattern.segments).complexity(exceedingLimit: .max, maximumSubsets: 20_000, steps: .max)
        #expect(pattern.complexity(exceedingLimit: .max, budget: WildcardWorkBudget(steps: .max)) == expected.value)
        #expect(pattern.matches(Array((long + "z" + long).utf8)))
    }
}

/// The definition the check implements, spelled out with `Set<Int>`: the largest subset of NFA states reachable on
/// the pattern's bytes (in ascending order) and one other byte, depth first; too many subsets or steps is "exceeded".
private struct ReferenceComplexity {
    let tokens: [UInt8?]

    init(_ segments: [[UInt8]]) {
        var tokens: [UInt8?] = []
        for (index, segment) in segments.enumerated() {
            if index > 0 { tokens.append(nil) }
            tokens.append(contentsOf: segment.map { Optional($0) })
        }
        self.tokens = tokens
    }

    func complexity(exceedingLimit limit: Int, maximumSubsets: Int, steps: Int) -> (value: Int, remainingSteps: Int) {
        guard tokens.contains(nil) else { return (1, steps) }
        var remaining = steps
        func closure(_ states: Set<Int>) -> Set<Int> {
            var result = states
            for state in states {
                var current = state
                while current < tokens.count && tokens[current] == nil {
                    current += 1
                    result.insert(current)
                }
            }
            return result
        }
        var alphabet = Array(Set(tokens.compactMap { $0 })).sorted()
        var other: UInt8 = 0
        while alphabet.contains(other) { other += 1 }
        alphabet.append(other)
        let start = closure([0])
        var seen: Set<Set<Int>> = [start]
        var queue = [start]
        var worst = start.count
        let exceeded = max(worst, limit == .max ? limit : limit + 1)
        while let states = queue.popLast() {
            for byte in alphabet {
                var next = Set<Int>()
                for state in states where state < tokens.count {
                    if let literal = tokens[state] {
                        if literal == byte { next.insert(state + 1) }
                    } else {
                        next.insert(state)
                    }
                }
                let reached = closure(next)
                let cost = states.count + 2 * reached.count + 1
                guard remaining >= cost else { return (exceeded, 0) }
                remaining -= cost
                guard !reached.isEmpty, seen.insert(reached).inserted else { continue }
                worst = max(worst, reached.count)
                if worst > limit || seen.count > maximumSubsets { return (max(worst, limit == .max ? limit : limit + 1), remaining) }
                queue.append(reached)
            }
        }
        return (worst, remaining)
    }
}
