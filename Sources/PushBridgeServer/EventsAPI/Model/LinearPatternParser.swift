/// Reads the regular expressions of AWS's model into a ``LinearPattern/Node`` tree: literals and escapes, classes
/// with ranges and negation, `.`, groups (plain, `(?:`, and the negative lookahead `(?!`), alternation, the
/// quantifiers `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, and the anchors `^` and `$`. Anything else is refused, so a
/// model that starts using more fails a test instead of being matched wrongly.
struct LinearPatternParser {
    struct SyntaxError: Error, Equatable {
        let message: String
    }

    private let scalars: [Unicode.Scalar]
    private var position = 0

    init(_ pattern: String) {
        scalars = Array(pattern.unicodeScalars)
    }

    mutating func parse() throws(SyntaxError) -> LinearPattern.Node {
        let node = try alternation()
        guard position == scalars.count else { throw SyntaxError(message: "unexpected ')' at \(position)") }
        return node
    }

    private var next: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    private mutating func take() throws(SyntaxError) -> Unicode.Scalar {
        guard let scalar = next else { throw SyntaxError(message: "unexpected end") }
        position += 1
        return scalar
    }

    private mutating func alternation() throws(SyntaxError) -> LinearPattern.Node {
        var branches = [try sequence()]
        while next == "|" {
            position += 1
            branches.append(try sequence())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func sequence() throws(SyntaxError) -> LinearPattern.Node {
        var nodes: [LinearPattern.Node] = []
        while let scalar = next, scalar != "|", scalar != ")" {
            var node = try atom()
            while let (minimum, maximum) = try quantifier() { node = .repetition(node, minimum: minimum, maximum: maximum) }
            nodes.append(node)
        }
        return .sequence(nodes)
    }

    private mutating func quantifier() throws(SyntaxError) -> (Int, Int?)? {
        switch next {
        case "*":
            position += 1
            return (0, nil)
        case "+":
            position += 1
            return (1, nil)
        case "?":
            position += 1
            return (0, 1)
        case "{":
            position += 1
            let minimum = try number()
            var maximum: Int? = minimum
            if next == "," {
                position += 1
                maximum = next == "}" ? nil : try number()
            }
            guard try take() == "}" else { throw SyntaxError(message: "unclosed {") }
            if let maximum, maximum < minimum { throw SyntaxError(message: "{\(minimum),\(maximum)}") }
            return (minimum, maximum)
        default:
            return nil
        }
    }

    /// A repetition count; small, since each repetition is a copy of its node in the program.
    private mutating func number() throws(SyntaxError) -> Int {
        var value = 0
        var digits = 0
        while let scalar = next, ("0"..."9").contains(scalar) {
            position += 1
            digits += 1
            value = value * 10 + Int(scalar.value - 0x30)
            guard value <= 1000 else { throw SyntaxError(message: "repetition count over 1000") }
        }
        guard digits > 0 else { throw SyntaxError(message: "expected a number at \(position)") }
        return value
    }

    private mutating func atom() throws(SyntaxError) -> LinearPattern.Node {
        let scalar = try take()
        switch scalar {
        case "(":
            var lookahead = false
            if next == "?" {
                position += 1
                switch try take() {
                case ":": break
                case "!": lookahead = true
                default: throw SyntaxError(message: "unsupported group at \(position)")
                }
            }
            let inner = try alternation()
            guard try take() == ")" else { throw SyntaxError(message: "unclosed (") }
            return lookahead ? .notFollowedBy(inner) : inner
        case "[": return .scalar(try characterClass())
        case ".": return .scalar(ScalarClass(items: [.anyButNewline]))
        case "^": return .start
        case "$": return .end
        case "\\": return .scalar(try escape())
        case "*", "+", "?", "{": throw SyntaxError(message: "nothing to repeat at \(position - 1)")
        default: return .scalar(.scalar(scalar.value))
        }
    }

    private mutating func escape() throws(SyntaxError) -> ScalarClass {
        let scalar = try take()
        switch scalar {
        case "w": return ScalarClass(items: [.word])
        case "d": return ScalarClass(items: [.digit])
        case "s": return ScalarClass(items: [.space])
        case "W": return ScalarClass(items: [.word], negated: true)
        case "D": return ScalarClass(items: [.digit], negated: true)
        case "S": return ScalarClass(items: [.space], negated: true)
        case "t": return .scalar(0x09)
        case "n": return .scalar(0x0A)
        case "r": return .scalar(0x0D)
        case "f": return .scalar(0x0C)
        case "x":
            let high = try hexDigit()
            return .scalar(high * 16 + (try hexDigit()))
        case "p":
            guard try take() == "{" else { throw SyntaxError(message: "expected { after \\p") }
            let name = String(String.UnicodeScalarView([try take()]))
            guard try take() == "}" else { throw SyntaxError(message: "unsupported \\p{\(name)…}") }
            switch name {
            case "L": return ScalarClass(items: [.letter])
            case "Z": return ScalarClass(items: [.separator])
            case "N": return ScalarClass(items: [.number])
            default: throw SyntaxError(message: "unsupported \\p{\(name)}")
            }
        default:
            // Any other escaped character stands for itself, unless it is a letter or digit (Java reserves those).
            guard !scalar.properties.isAlphabetic, !("0"..."9").contains(scalar) else {
                throw SyntaxError(message: "unsupported escape \\\(scalar)")
            }
            return .scalar(scalar.value)
        }
    }

    private mutating func hexDigit() throws(SyntaxError) -> UInt32 {
        let scalar = try take()
        guard let value = UInt32(String(scalar), radix: 16) else { throw SyntaxError(message: "bad hex digit \(scalar)") }
        return value
    }

    /// The one scalar a class holds, if it holds exactly one.
    private static func single(_ set: ScalarClass) -> UInt32? {
        guard set.items.count == 1, !set.negated, case .range(let low, let high) = set.items[0], low == high else { return nil }
        return low
    }

    /// After `[`, up to and including `]`. A `-` first, last or right after a range stands for itself.
    private mutating func characterClass() throws(SyntaxError) -> ScalarClass {
        var result = ScalarClass(items: [])
        if next == "^" {
            position += 1
            result.negated = true
        }
        var first = true
        while true {
            let scalar = try take()
            if scalar == "]" && !first { return result }
            first = false
            let low: ScalarClass
            if scalar == "\\" { low = try escape() } else { low = .scalar(scalar.value) }
            if low.negated { throw SyntaxError(message: "negated escape inside a class") }
            guard next == "-", position + 1 < scalars.count, scalars[position + 1] != "]", let lowValue = Self.single(low) else {
                result.items += low.items
                continue
            }
            position += 1
            let highScalar = try take()
            let high: ScalarClass
            if highScalar == "\\" { high = try escape() } else { high = .scalar(highScalar.value) }
            guard let highValue = Self.single(high), highValue >= lowValue else {
                throw SyntaxError(message: "bad range in class at \(position)")
            }
            result.items.append(.range(lowValue, highValue))
        }
    }
}
