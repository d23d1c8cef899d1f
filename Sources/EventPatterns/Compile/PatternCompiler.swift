import PushBridgeJSON

/// Turns a parsed pattern into sub-rules, validating it the way event-ruler's `JsonRuleCompiler` does and
/// with its reason texts.
///
/// The walk mirrors Ruler's: every field written applies to all sub-rules built so far, and each `$or`
/// replaces them by the cross product with its branches, so `$or` at any level and in any position means
/// the same thing. A path written twice (e.g. `"a.b"` and `a → b`) keeps the last value, as Ruler does.
struct PatternCompiler {
    let limits: PatternLimits
    let wildcardBudget: WildcardWorkBudget

    init(limits: PatternLimits) {
        self.limits = limits
        wildcardBudget = WildcardWorkBudget(steps: limits.maximumWildcardSteps)
    }

    /// Field names that Ruler refuses inside `$or` branches.
    static let reservedInOr: Set<String> = [
        "exactly", "equals-ignore-case", "prefix", "suffix", "anything-but", "exists", "wildcard", "numeric", "cidr", "html",
        "=", "<", "<=", ">", ">=", "regex", "not-wildcard", "not-equals-ignore-case", "date-after", "date-on-or-after",
        "date-before", "date-on-or-before", "in-date-range", "ip-address-in-range", "ip-address-not-in-range",
    ]

    private typealias Draft = [[UInt8]: FieldCondition]

    func compile(_ pattern: JSONValue) throws(PatternError) -> [SubRule] {
        guard case .object(let object) = pattern else { throw PatternError("Filter is not an object") }
        var rules: [Draft] = []
        try parseObject(object, path: [], insideOr: false, rules: &rules)
        var seen = Set<SubRule>()
        var result: [SubRule] = []
        for draft in rules {
            let subRule = SubRule(conditions: draft.values.sorted { $0.path.lexicographicallyPrecedes($1.path) })
            if seen.insert(subRule).inserted { result.append(subRule) }
        }
        return result
    }

    private func parseObject(_ object: JSONObject, path: [String], insideOr: Bool, rules: inout [Draft]) throws(PatternError) {
        guard !object.isEmpty else { throw PatternError("Empty objects are not allowed") }
        for (key, value) in object {
            if key == "$or" {
                try parseOr(value, path: path, rules: &rules)
                continue
            }
            if insideOr && Self.reservedInOr.contains(key) {
                throw PatternError("\(key) is Ruler reserved fieldName which cannot be used inside $or.")
            }
            switch value {
            case .object(let child):
                try parseObject(child, path: path + [key], insideOr: insideOr, rules: &rules)
            case .array(let elements):
                let condition = try parseValues(elements, path: (path + [key]).joined(separator: "."))
                if rules.isEmpty { rules.append([:]) }
                for index in rules.indices { rules[index][condition.path] = condition }
            default:
                throw PatternError("\"\(key)\" must be an object or an array")
            }
        }
    }

    private func parseOr(_ value: JSONValue, path: [String], rules: inout [Draft]) throws(PatternError) {
        guard case .array(let branches) = value else { throw PatternError("It must be an Array followed with $or.") }
        let current = rules
        var expanded: [Draft] = []
        for branch in branches {
            guard case .object(let object) = branch else {
                throw PatternError("Only JSON object is allowed in array of $or relationship.")
            }
            var branchRules = current.isEmpty ? [[:]] : current
            try parseObject(object, path: path, insideOr: true, rules: &branchRules)
            expanded += branchRules
            guard expanded.count <= limits.maximumOrCombinations else {
                throw PatternError("Too many combinations in $or: the pattern expands to more than \(limits.maximumOrCombinations)")
            }
        }
        guard branches.count >= 2 else { throw PatternError("There must have at least 2 Objects in $or relationship.") }
        rules = expanded
    }

    private func parseValues(_ elements: [JSONValue], path: String) throws(PatternError) -> FieldCondition {
        guard !elements.isEmpty else { throw PatternError("Empty arrays are not allowed") }
        var matchers: [ValueMatcher] = []
        var allowsAbsent = false
        func add(_ matcher: ValueMatcher) {
            if !matchers.contains(matcher) { matchers.append(matcher) }
        }
        for element in elements {
            switch element {
            case .object(let expression):
                switch try MatchExpressionParser(limits: limits, wildcardBudget: wildcardBudget).parse(expression) {
                case .matcher(let matcher): add(matcher)
                case .absent: allowsAbsent = true
                }
            case .string(let string):
                let bytes = Array(string.utf8)
                if IPAddress.looksLikeIP(bytes), let address = IPAddress.parse(bytes) {
                    add(.exactIP(address))
                } else {
                    add(.exactString(bytes))
                }
            case .number(let number):
                if let value = NumberText.exactDouble(number.text) {
                    add(.exactNumber(value))
                } else {
                    add(.exactNumberText(number.text))
                }
            case .bool(let flag): add(.exactBool(flag))
            case .null: add(.exactNull)
            case .array: throw PatternError("Match value must be String, number, true, false, or null")
            }
        }
        return FieldCondition(path: Array(path.utf8), matchers: matchers, allowsAbsent: allowsAbsent)
    }
}
