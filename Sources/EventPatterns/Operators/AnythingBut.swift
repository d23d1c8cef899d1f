/// The exclusions of an `anything-but` condition.
///
/// A leaf satisfies `anything-but` when it is *not excluded*; a leaf of another type is never excluded,
/// so `null`, booleans and numbers satisfy a string exclusion, strings satisfy a numeric one, and numbers
/// satisfy prefix/suffix/wildcard/ignore-case exclusions (all as in event-ruler and AWS). The field must
/// still have a leaf: that requirement lives in the matcher, which only ever sees existing leaves.
enum AnythingBut: Sendable, Hashable {
    case strings(Set<[UInt8]>)
    case numbers(Set<Double>)
    case prefixes([[UInt8]])
    case suffixes([[UInt8]])
    /// Values already case-folded with ``CaseFolding``.
    case ignoreCase(Set<[UInt8]>)
    case wildcards([WildcardPattern])

    func excludes(_ leaf: LeafValue) -> Bool {
        switch (self, leaf) {
        case (.strings(let values), .string(let bytes)): values.contains(bytes)
        case (.numbers(let values), .number(let number)): number.value.map(values.contains) ?? false
        case (.prefixes(let values), .string(let bytes)): values.contains { bytes.starts(with: $0) }
        case (.suffixes(let values), .string(let bytes)): values.contains { bytes.reversed().starts(with: $0.reversed()) }
        case (.ignoreCase(let values), .string(let bytes)): values.contains(CaseFolding.fold(bytes))
        case (.wildcards(let values), .string(let bytes)): values.contains { $0.matches(bytes) }
        default: false
        }
    }
}
