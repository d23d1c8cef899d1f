import PushBridgeJSON

/// Parses one operator object from a pattern array (`{"prefix": "a"}`, `{"numeric": [">", 0]}`, …) with
/// event-ruler's checks, in Ruler's order, and its reason texts.
///
/// Ruler reads tokens in order, so it validates the first key's value before it notices a second key;
/// the checks below follow that order. Operator names are case-sensitive.
///
/// Choice: `exactly` (undocumented by AWS, accepted by Ruler) is accepted and means an exact string.
struct MatchExpressionParser {
    let limits: PatternLimits
    /// Shared by every wildcard of the pattern being compiled.
    let wildcardBudget: WildcardWorkBudget

    enum Parsed {
        case matcher(ValueMatcher)
        /// `exists: false`.
        case absent
    }

    private static let onlyOneKey = "Only one key allowed in match expression"
    private static let tooManyElements = "Too many elements in numeric expression"

    func parse(_ expression: JSONObject) throws(PatternError) -> Parsed {
        guard let (name, value) = expression.first else { throw PatternError("Match expression name not found") }
        let extraKeys = expression.count > 1
        func single(_ parsed: Parsed, tooMany: String = Self.onlyOneKey) throws(PatternError) -> Parsed {
            if extraKeys { throw PatternError(tooMany) }
            return parsed
        }
        switch name {
        case "exactly":
            guard case .string(let text) = value else { throw PatternError("exact match pattern must be a string") }
            return try single(.matcher(.exactString(Array(text.utf8))))
        case "prefix", "suffix":
            let isPrefix = name == "prefix"
            if case .object(let inner) = value {
                let matcher = try parseAffixIgnoreCase(inner, isPrefix: isPrefix)
                return try single(.matcher(matcher))
            }
            guard case .string(let text) = value else { throw PatternError("\(name) match pattern must be a string") }
            let bytes = Array(text.utf8)
            return try single(.matcher(isPrefix ? .prefix(bytes) : .suffix(bytes)))
        case "equals-ignore-case":
            guard case .string(let text) = value else { throw PatternError("equals-ignore-case match pattern must be a string") }
            return try single(.matcher(.equalsIgnoreCase(CaseFolding.fold(Array(text.utf8)))))
        case "wildcard":
            guard case .string(let text) = value else { throw PatternError("wildcard match pattern must be a string") }
            return try single(.matcher(.wildcard(try wildcard(text))))
        case "numeric":
            guard case .array(let terms) = value else { throw PatternError("Value of numeric must be an array.") }
            return try single(.matcher(.numeric(try NumericExpressionParser.parse(terms))), tooMany: Self.tooManyElements)
        case "anything-but":
            return try single(.matcher(.anythingBut(try parseAnythingBut(value))), tooMany: Self.tooManyElements)
        case "exists":
            guard case .bool(let flag) = value else { throw PatternError("exists match pattern must be either true or false.") }
            return try single(flag ? .matcher(.exists) : .absent)
        case "cidr":
            // Ruler's message really says "prefix" here (a copy-paste AWS also returns).
            guard case .string(let text) = value else { throw PatternError("prefix match pattern must be a string") }
            return try single(.matcher(.cidr(try IPRange(cidr: text))))
        default:
            throw PatternError("Unrecognized match type \(name)")
        }
    }

    private func parseAffixIgnoreCase(_ inner: JSONObject, isPrefix: Bool) throws(PatternError) -> ValueMatcher {
        let label = isPrefix ? "Prefix" : "Suffix"
        guard let (name, value) = inner.first else { throw PatternError("\(label) expression name not found") }
        guard name == "equals-ignore-case" else { throw PatternError("Unsupported \(label.lowercased()) pattern: \(name)") }
        guard case .string(let text) = value else { throw PatternError("equals-ignore-case match pattern must be a string") }
        guard inner.count == 1 else { throw PatternError(Self.onlyOneKey) }
        let folded = CaseFolding.fold(Array(text.utf8))
        return isPrefix ? .prefixIgnoreCase(folded) : .suffixIgnoreCase(folded)
    }

    private func wildcard(_ text: String) throws(PatternError) -> WildcardPattern {
        let pattern = try WildcardPattern(parsing: text)
        let limit = limits.maximumWildcardComplexity
        guard pattern.complexity(exceedingLimit: limit, budget: wildcardBudget) <= limit else {
            throw PatternError(
                "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character"
            )
        }
        return pattern
    }

    private func parseAnythingBut(_ value: JSONValue) throws(PatternError) -> AnythingBut {
        switch value {
        case .object(let inner):
            guard let (name, operand) = inner.first else { throw PatternError("Anything-But expression name not found") }
            guard ["equals-ignore-case", "prefix", "suffix", "wildcard"].contains(name) else {
                throw PatternError("Unsupported anything-but pattern: \(name)")
            }
            let strings: [String]
            switch operand {
            case .string(let text): strings = [text]
            case .array(let elements):
                var collected: [String] = []
                for element in elements {
                    guard case .string(let text) = element else { throw notAString(for: name) }
                    collected.append(try checkedAffix(text, name: name))
                }
                strings = collected
            case .number: throw notAString(for: name)
            default: throw PatternError("Value of anything-but must be an array or single string/number value.")
            }
            if case .string(let text) = operand { _ = try checkedAffix(text, name: name) }
            guard inner.count == 1 else { throw PatternError(Self.tooManyElements) }
            let bytes = strings.map { Array($0.utf8) }
            switch name {
            case "prefix": return .prefixes(bytes)
            case "suffix": return .suffixes(bytes)
            case "equals-ignore-case": return .ignoreCase(Set(bytes.map(CaseFolding.fold)))
            default:
                var patterns: [WildcardPattern] = []
                for text in strings { patterns.append(try wildcard(text)) }
                return .wildcards(patterns)
            }
        case .array(let elements):
            var strings = Set<[UInt8]>()
            var numbers = Set<Double>()
            for element in elements {
                switch element {
                case .string(let text): strings.insert(Array(text.utf8))
                case .number(let number): numbers.insert(try exactBound(number))
                default: throw PatternError("Inside anything but list, start|null|boolean is not supported.")
                }
            }
            guard strings.isEmpty != numbers.isEmpty else {
                throw PatternError("Inside anything but list, either all values are number or string, mixed type is not supported")
            }
            return strings.isEmpty ? .numbers(numbers) : .strings(strings)
        case .string(let text): return .strings([Array(text.utf8)])
        case .number(let number): return .numbers([try exactBound(number)])
        default: throw PatternError("Value of anything-but must be an array or single string/number value.")
        }
    }

    private func notAString(for name: String) -> PatternError {
        switch name {
        case "equals-ignore-case": PatternError("Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.")
        case "wildcard": PatternError("wildcard match pattern must be a string")
        default: PatternError("prefix/suffix match pattern must be a string")
        }
    }

    private func checkedAffix(_ text: String, name: String) throws(PatternError) -> String {
        if (name == "prefix" || name == "suffix") && text.isEmpty { throw PatternError("Null prefix/suffix not allowed") }
        return text
    }

    private func exactBound(_ number: JSONNumber) throws(PatternError) -> Double {
        guard let value = NumberText.exactDouble(number.text) else { throw PatternError("Cannot compare number : \(number.text)") }
        return value
    }
}
