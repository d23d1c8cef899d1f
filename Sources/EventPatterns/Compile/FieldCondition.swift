/// What one sub-rule requires of one field path: some leaf matching one of `matchers`, or — when
/// `allowsAbsent` (an `exists: false` in the array) — no leaf at that path anywhere in the event.
///
/// `exists: false` is decided for the whole event, never per array element, as in event-ruler.
struct FieldCondition: Sendable, Hashable {
    /// Dotted path as UTF-8 bytes (compared byte-exactly).
    let path: [UInt8]
    let matchers: [ValueMatcher]
    let allowsAbsent: Bool

    /// A condition that needs a leaf: it can anchor a sub-rule in the index.
    var requiresLeaf: Bool { !allowsAbsent }

    var pathString: String { String(decoding: path, as: UTF8.self) }
}

/// One branch of a pattern after `$or` expansion: its conditions are AND-ed, one per path.
struct SubRule: Sendable, Hashable {
    let conditions: [FieldCondition]
}
