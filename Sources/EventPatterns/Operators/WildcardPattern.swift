/// A compiled `wildcard` value: literal byte segments separated by `*`.
///
/// `*` matches zero or more bytes (including `/`) and the match is anchored at both ends, so a pattern with
/// no `*` is an exact match. `\*` is a literal asterisk and `\\` a literal backslash; any other backslash is
/// invalid. Matching works on UTF-8 bytes, which is equivalent to matching scalars because every segment
/// is itself whole UTF-8.
struct WildcardPattern: Sendable, Hashable {
    /// Literal pieces; there is one `*` between each pair, so a leading or trailing `*` shows up as an
    /// empty first or last segment.
    let segments: [[UInt8]]

    /// Ruler's parse errors. Positions are UTF-8 offsets into the value *with its opening JSON quote*,
    /// because Ruler parses `"` + text: `abc**def` reports position 4.
    init(parsing text: String) throws(PatternError) {
        let bytes = Array(text.utf8)
        var segments: [[UInt8]] = [[]]
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "*") {
                if index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "*") {
                    throw PatternError("Consecutive wildcard characters at pos \(index + 1)")
                }
                segments.append([])
            } else if byte == UInt8(ascii: "\\") {
                let next = index + 1 < bytes.count ? bytes[index + 1] : nil
                guard next == UInt8(ascii: "*") || next == UInt8(ascii: "\\") else {
                    throw PatternError("Invalid escape character at pos \(index + 1)")
                }
                segments[segments.count - 1].append(next!)
                index += 1
            } else {
                segments[segments.count - 1].append(byte)
            }
            index += 1
        }
        self.segments = segments
    }

    func matches(_ value: [UInt8]) -> Bool {
        guard segments.count > 1 else { return value == segments[0] }
        let first = segments[0]
        let last = segments[segments.count - 1]
        guard value.count >= first.count + last.count,
            value.starts(with: first),
            value[(value.count - last.count)...].elementsEqual(last)
        else { return false }
        var position = first.count
        let end = value.count - last.count
        // Leftmost-first placement of each middle segment is optimal when the only operator is `*`.
        for segment in segments[1..<(segments.count - 1)] where !segment.isEmpty {
            guard let found = Self.firstIndex(of: segment, in: value, from: position, to: end) else { return false }
            position = found + segment.count
        }
        return true
    }

    private static func firstIndex(of needle: [UInt8], in haystack: [UInt8], from start: Int, to end: Int) -> Int? {
        guard end - start >= needle.count else { return nil }
        var candidate = start
        while candidate + needle.count <= end {
            if haystack[candidate] == needle[0] && haystack[candidate..<(candidate + needle.count)].elementsEqual(needle) {
                return candidate
            }
            candidate += 1
        }
        return nil
    }

    /// How many automaton states this wildcard can keep active at once, the quantity that makes
    /// wildcard matching slow in event-ruler (its `MachineComplexityEvaluator` measures the same kind of
    /// thing over the whole machine). Computed by exploring the subsets of the pattern's NFA reachable on
    /// the bytes it mentions plus one "other" byte; exploration stops once `limit` is exceeded.
    ///
    /// Choice: complexity is judged per wildcard value, not across all wildcards of a rule. Exploring more than
    /// `maximumSubsets` subsets, or spending all of `budget` (shared by a pattern's wildcards), counts as
    /// exceeding `limit`, unless `limit` is `Int.max` (no limit).
    func complexity(exceedingLimit limit: Int, maximumSubsets: Int = 20_000, budget: WildcardWorkBudget = WildcardWorkBudget()) -> Int {
        // Tokens: nil is a star, otherwise a literal byte. State i means "tokens 0..<i consumed".
        var tokens: [UInt8?] = []
        for (index, segment) in segments.enumerated() {
            if index > 0 { tokens.append(nil) }
            tokens.append(contentsOf: segment.map { Optional($0) })
        }
        guard tokens.contains(nil) else { return 1 }
        let capacity = tokens.count + 1
        // A star's state stays on any byte and also stands for the state after the star (the closure below).
        var stars = WildcardStateSet(capacity: capacity)
        var literals: [UInt8: WildcardStateSet] = [:]
        for (state, token) in tokens.enumerated() {
            if let token {
                literals[token, default: WildcardStateSet(capacity: capacity)].insert(state)
            } else {
                stars.insert(state)
            }
        }
        // In a fixed order, so that how far an exploration gets before it stops, and so what is left of the
        // shared budget, is the same in every process.
        var alphabet = literals.keys.sorted()
        var other: UInt8 = 0
        while literals[other] != nil { other &+= 1 }
        alphabet.append(other)
        let literalsByByte = alphabet.map { literals[$0] ?? WildcardStateSet(capacity: capacity) }
        var start = WildcardStateSet(capacity: capacity)
        start.insert(0)
        // A leading star also stands for the state after it (never another star: the parser refuses `**`).
        if tokens[0] == nil { start.insert(1) }
        var seen: Set<WildcardStateSet> = [start]
        var queue = [start]
        var worst = start.count
        let exceeded = max(worst, limit == .max ? limit : limit + 1)
        // Rebuilt in place for each byte; it shares its storage only with a subset just kept (copy on write).
        var reached = WildcardStateSet(capacity: capacity)
        while let states = queue.popLast() {
            let stateCount = states.count
            for byteLiterals in literalsByByte {
                let reachedCount = reached.formStep(from: states, literals: byteLiterals, stars: stars)
                // A step per state read, and per state of the subset built, closed and hashed into `seen`.
                guard budget.spend(stateCount + 2 * reachedCount + 1) else { return exceeded }
                guard reachedCount > 0, seen.insert(reached).inserted else { continue }
                worst = max(worst, reachedCount)
                // `limit` is configuration and may be `Int.max` ("no limit"): then there is nothing above it to report.
                if worst > limit || seen.count > maximumSubsets { return max(worst, limit == .max ? limit : limit + 1) }
                queue.append(reached)
            }
        }
        return worst
    }
}
