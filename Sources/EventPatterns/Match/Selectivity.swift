/// How costly a condition is as an index anchor in ``RuleMatcher``, per sub-rule sharing it.
///
/// An anchor costs one candidate per event that satisfies it, for every sub-rule anchored on it. For an
/// exact value that is exactly the number of sub-rules sharing the value, so sharing is the measure:
/// `source = "shop.orders"` held by 700 rules is a poor anchor, `entityId = "e42"` held by one is ideal.
/// The weight scales that count for operators that an event satisfies more often than one value does
/// (affixes, ranges, `anything-but`), and for those the index answers by scanning its list for the path
/// instead of a lookup. A condition is only as selective as its broadest matcher, since any one satisfies it.
struct Selectivity: Sendable {
    let weight: Int

    init(_ condition: FieldCondition) {
        weight = condition.matchers.map(Self.weight).max().map { $0 * condition.matchers.count } ?? Self.broadest
    }

    /// The cost of anchoring one more sub-rule on a condition already referenced `references` times.
    func cost(references: Int) -> Int { weight * references }

    private static let broadest = 1024

    private static func weight(_ matcher: ValueMatcher) -> Int {
        switch matcher {
        // One value out of an open set: a hash lookup.
        case .exactString, .exactIP, .exactNumber, .exactNumberText, .equalsIgnoreCase: 1
        // A family of values sharing an affix: a trie walk that also meets every shorter affix.
        case .prefix, .suffix, .prefixIgnoreCase, .suffixIgnoreCase: 2
        // One of two or three values.
        case .exactBool, .exactNull: 64
        // Ranges and shapes: often wide, and scanned per event leaf of the path.
        case .numeric, .cidr, .wildcard: 256
        // Almost everything that has the field.
        case .anythingBut, .exists: broadest
        }
    }
}
