import PushBridgeJSON

/// Parses the array of a `numeric` operator: `[op, v]` or `[">"|">=", lo, "<"|"<=", hi]`, with
/// event-ruler's messages. Bounds must have an exact double value (Ruler ≥ 1.8), and a range needs
/// `lo < hi`.
enum NumericExpressionParser {
    static func parse(_ terms: [JSONValue]) throws(PatternError) -> NumericRange {
        guard case .string(let op)? = terms.first else {
            throw PatternError("Invalid member in numeric match: \(tokenText(terms.first))")
        }
        let operand = terms.count > 1 ? terms[1] : nil
        switch op {
        case "=":
            let value = try bound(operand, message: "Value of equals must be numeric")
            guard terms.count == 2 else { throw PatternError("Too many elements in numeric expression") }
            return NumericRange(lower: value, lowerInclusive: true, upper: value, upperInclusive: true)
        case ">", ">=":
            let lower = try bound(operand, message: "Value of \(op) must be numeric")
            var range = NumericRange(lower: lower, lowerInclusive: op == ">=")
            guard terms.count > 2 else { return range }
            guard case .string(let upperOp) = terms[2] else { throw PatternError("Bad value in numeric range: \(tokenText(terms[2]))") }
            guard upperOp == "<" || upperOp == "<=" else { throw PatternError("Bad numeric range operator: \(upperOp)") }
            let upper = try bound(terms.count > 3 ? terms[3] : nil, message: "Value of \(upperOp) must be numeric")
            guard terms.count == 4 else { throw PatternError("Too many terms in numeric range expression") }
            guard lower < upper else { throw PatternError("Bottom must be less than top") }
            range.upper = upper
            range.upperInclusive = upperOp == "<="
            return range
        case "<", "<=":
            let upper = try bound(operand, message: "Value of \(op) must be numeric")
            guard terms.count == 2 else { throw PatternError("Too many elements in numeric expression") }
            return NumericRange(upper: upper, upperInclusive: op == "<=")
        default:
            throw PatternError("Unrecognized numeric range operator: \(op)")
        }
    }

    private static func bound(_ value: JSONValue?, message: String) throws(PatternError) -> Double {
        guard case .number(let number)? = value else { throw PatternError(message) }
        guard let exact = NumberText.exactDouble(number.text) else { throw PatternError("Cannot compare number : \(number.text)") }
        return exact
    }

    /// What Jackson's `getText()` returns for the token at this position: `]` when the array ended.
    static func tokenText(_ value: JSONValue?) -> String {
        switch value {
        case nil: "]"
        case .array?: "["
        case .object?: "{"
        case .string(let text)?: text
        case .number(let number)?: number.text
        case .bool(let flag)?: flag ? "true" : "false"
        case .null?: "null"
        }
    }
}
