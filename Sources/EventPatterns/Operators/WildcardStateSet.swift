/// A set of a wildcard automaton's states as a bit set: the complexity check builds, hashes and compares
/// thousands of them per wildcard, and words of bits do that in a few instructions where `Set<Int>` hashes every
/// member. The steps work in place, so exploring allocates only for the subsets it keeps.
struct WildcardStateSet: Hashable {
    private var words: [UInt64]

    /// The empty set of states `0..<capacity`.
    init(capacity: Int) {
        words = Array(repeating: 0, count: (capacity + 63) / 64)
    }

    var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

    mutating func insert(_ state: Int) {
        words[state / 64] |= 1 << UInt64(state % 64)
    }

    /// Becomes the states one byte leads to from `states`: each state in `literals` (those whose token is the byte)
    /// moves on to the next state, each state in `stars` stays. All sets have the same capacity, and no state in
    /// `literals` is the last one.
    mutating func formStep(from states: WildcardStateSet, literals: WildcardStateSet, stars: WildcardStateSet) {
        var carry: UInt64 = 0
        for index in words.indices {
            let state = states.words[index]
            let moved = state & literals.words[index]
            words[index] = moved << 1 | carry | state & stars.words[index]
            carry = moved >> 63
        }
    }

    /// Adds the state after each star state, until nothing changes (a star matches the empty string too).
    mutating func formClosure(stars: WildcardStateSet) {
        var changed = true
        while changed {
            changed = false
            var carry: UInt64 = 0
            for index in words.indices {
                let word = words[index]
                let starred = word & stars.words[index]
                let closed = word | starred << 1 | carry
                carry = starred >> 63
                if closed != word {
                    words[index] = closed
                    changed = true
                }
            }
        }
    }
}
