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

    /// Becomes the states one byte leads to from `states`, closed: each state in `literals` (those whose token is the
    /// byte) moves on to the next state, each state in `stars` stays, and each star state reached adds the state
    /// after it. One pass is enough because a star is never followed by a star (the parser refuses `**`). All sets
    /// have the same capacity, and no state in `literals` or `stars` is the last one. Returns the number of states.
    mutating func formStep(from states: WildcardStateSet, literals: WildcardStateSet, stars: WildcardStateSet) -> Int {
        var movedCarry: UInt64 = 0
        var starredCarry: UInt64 = 0
        var count = 0
        for index in words.indices {
            let state = states.words[index]
            let star = stars.words[index]
            let moved = state & literals.words[index]
            let stepped = moved << 1 | movedCarry | state & star
            let starred = stepped & star
            let closed = stepped | starred << 1 | starredCarry
            movedCarry = moved >> 63
            starredCarry = starred >> 63
            words[index] = closed
            count += closed.nonzeroBitCount
        }
        return count
    }
}
