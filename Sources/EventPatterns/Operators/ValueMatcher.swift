/// One entry of a pattern's value array, compiled.
///
/// The entries of one array are OR-ed. Exact, affix and ignore-case entries are normally answered by the
/// indexes in ``FieldIndex``; `matches` is the reference semantics and serves the per-field lists.
enum ValueMatcher: Sendable, Hashable {
    case exactString([UInt8])
    /// A string pattern that is an IP literal. Choice (follows event-ruler's `ipToRangeIfPossible`): it
    /// matches any spelling of the same address, so `"::1"` matches `"0:0:0:0:0:0:0:1"`.
    case exactIP([UInt8])
    /// A number with an exact double value: matches any number of equal value (`300` ~ `3.0e2`).
    case exactNumber(Double)
    /// A number without an exact double value: matches only the same number text.
    case exactNumberText(String)
    case exactBool(Bool)
    case exactNull
    case prefix([UInt8])
    case suffix([UInt8])
    /// Operands of the ignore-case forms are stored case-folded.
    case equalsIgnoreCase([UInt8])
    case prefixIgnoreCase([UInt8])
    case suffixIgnoreCase([UInt8])
    case wildcard(WildcardPattern)
    case numeric(NumericRange)
    case cidr(IPRange)
    /// `exists: true`: any leaf. (`exists: false` is not a value test; see ``FieldCondition``.)
    case exists
    case anythingBut(AnythingBut)

    func matches(_ leaf: LeafValue) -> Bool {
        switch (self, leaf) {
        case (.exists, _): true
        case (.anythingBut(let exclusions), _): !exclusions.excludes(leaf)
        case (.exactString(let value), .string(let bytes)): bytes == value
        case (.exactIP(let address), .string(let bytes)): IPAddress.parse(bytes) == address
        case (.exactNumber(let value), .number(let number)): number.value == value
        case (.exactNumberText(let text), .number(let number)): number.text == text
        case (.exactBool(let value), .bool(let flag)): value == flag
        case (.exactNull, .null): true
        case (.prefix(let value), .string(let bytes)): bytes.starts(with: value)
        case (.suffix(let value), .string(let bytes)): bytes.reversed().starts(with: value.reversed())
        case (.equalsIgnoreCase(let value), .string(let bytes)): CaseFolding.fold(bytes) == value
        case (.prefixIgnoreCase(let value), .string(let bytes)): CaseFolding.fold(bytes).starts(with: value)
        case (.suffixIgnoreCase(let value), .string(let bytes)): CaseFolding.fold(bytes).reversed().starts(with: value.reversed())
        case (.wildcard(let pattern), .string(let bytes)): pattern.matches(bytes)
        case (.numeric(let range), .number(let number)): number.value.map(range.contains) ?? false
        case (.cidr(let range), .string(let bytes)): IPAddress.parse(bytes).map(range.contains) ?? false
        default: false
        }
    }
}
