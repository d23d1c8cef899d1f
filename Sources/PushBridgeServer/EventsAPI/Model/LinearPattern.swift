/// A regular expression of AWS's model, matched in time linear in the input: Thompson's construction, simulated
/// one input scalar at a time over the set of live states, never backtracking.
///
/// Written by hand because Swift's `Regex` backtracks: the model's `HeaderValue` pattern
/// (`^[ \t]*[\x20-\x7E]+([ \t]+[\x20-\x7E]+)*[ \t]*$`) took minutes on a 41-character value, so one PutTargets
/// could hold an event loop. No library in reach matches in linear time. Matching is whole-value, as Java's
/// `matches` (what AWS runs) is.
struct LinearPattern: Sendable {
    indirect enum Node: Sendable {
        case scalar(ScalarClass)
        case sequence([Node])
        case alternation([Node])
        case repetition(Node, minimum: Int, maximum: Int?)
        case start
        case end
        /// `(?!…)`: nothing that starts here matches the inner expression.
        case notFollowedBy(Node)
    }

    enum Instruction: Sendable {
        case scalar(ScalarClass)
        case split(Int, Int)
        case jump(Int)
        case start
        case end
        case notFollowedBy(LinearPattern)
        case match
    }

    let program: [Instruction]

    init(_ pattern: String) throws(LinearPatternParser.SyntaxError) {
        var parser = LinearPatternParser(pattern)
        self.init(node: try parser.parse())
    }

    init(node: Node) {
        var program: [Instruction] = []
        Self.emit(node, into: &program)
        program.append(.match)
        self.program = program
    }

    private static func emit(_ node: Node, into program: inout [Instruction]) {
        switch node {
        case .scalar(let set): program.append(.scalar(set))
        case .start: program.append(.start)
        case .end: program.append(.end)
        case .notFollowedBy(let inner): program.append(.notFollowedBy(LinearPattern(node: inner)))
        case .sequence(let nodes): for inner in nodes { emit(inner, into: &program) }
        case .alternation(let branches):
            // split → branch 1, split → branch 2, …; every branch but the last jumps past the others.
            var jumps: [Int] = []
            for (index, branch) in branches.enumerated() {
                if index < branches.count - 1 {
                    let split = program.count
                    program.append(.split(split + 1, -1))
                    emit(branch, into: &program)
                    jumps.append(program.count)
                    program.append(.jump(-1))
                    program[split] = .split(split + 1, program.count)
                } else {
                    emit(branch, into: &program)
                }
            }
            for jump in jumps { program[jump] = .jump(program.count) }
        case .repetition(let inner, let minimum, let maximum):
            for _ in 0..<minimum { emit(inner, into: &program) }
            if let maximum {
                // Each optional copy: split → copy, or skip to the end of all copies.
                var splits: [Int] = []
                for _ in minimum..<maximum {
                    splits.append(program.count)
                    program.append(.split(program.count + 1, -1))
                    emit(inner, into: &program)
                }
                for split in splits { program[split] = .split(split + 1, program.count) }
            } else {
                let loop = program.count
                program.append(.split(loop + 1, -1))
                emit(inner, into: &program)
                program.append(.jump(loop))
                program[loop] = .split(loop + 1, program.count)
            }
        }
    }

    /// Whether the whole of `text` matches.
    func wholeMatch(_ text: String) -> Bool {
        let input = Array(text.unicodeScalars)
        return run(input, from: 0, wholeOnly: true)
    }

    /// From `start`, with `wholeOnly` false: whether some prefix of `input[start...]` matches (for lookaheads).
    private func run(_ input: [Unicode.Scalar], from start: Int, wholeOnly: Bool) -> Bool {
        var current = StateSet(count: program.count)
        var next = StateSet(count: program.count)
        add(0, at: start, input: input, to: &current)
        var position = start
        while true {
            if current.states.contains(where: { if case .match = program[$0] { return true } else { return false } }) {
                if !wholeOnly || position == input.count { return true }
            }
            guard position < input.count, !current.states.isEmpty else { return false }
            let scalar = input[position]
            next.clear()
            for state in current.states {
                if case .scalar(let set) = program[state], set.contains(scalar) {
                    add(state + 1, at: position + 1, input: input, to: &next)
                }
            }
            swap(&current, &next)
            position += 1
        }
    }

    /// Adds `state` and every state reachable from it without reading input (splits, jumps, assertions).
    private func add(_ state: Int, at position: Int, input: [Unicode.Scalar], to set: inout StateSet) {
        var pending = [state]
        while let state = pending.popLast() {
            guard set.insert(state) else { continue }
            switch program[state] {
            case .split(let first, let second): pending += [second, first]
            case .jump(let target): pending.append(target)
            case .start: if position == 0 { pending.append(state + 1) }
            case .end: if position == input.count { pending.append(state + 1) }
            case .notFollowedBy(let inner):
                if !inner.run(input, from: position, wholeOnly: false) { pending.append(state + 1) }
            case .scalar, .match: break
            }
        }
    }

    /// The live states of one step, each once, in the order added.
    private struct StateSet {
        private(set) var states: [Int] = []
        private var member: [Bool]

        init(count: Int) { member = Array(repeating: false, count: count) }

        mutating func insert(_ state: Int) -> Bool {
            guard !member[state] else { return false }
            member[state] = true
            states.append(state)
            return true
        }

        mutating func clear() {
            for state in states { member[state] = false }
            states.removeAll(keepingCapacity: true)
        }
    }
}
