/// Every value test that the rules in a ``RuleMatcher`` apply to one field path, indexed by kind.
///
/// Exact values are hash lookups, prefixes and suffixes are tries, ignore-case forms are the same
/// structures over case-folded bytes, and the remaining operators (wildcard, numeric, cidr, exists,
/// anything-but) are a list scanned per leaf of *this path only*. Each entry carries the id of the
/// condition it belongs to; a leaf reports every condition it satisfies.
struct FieldIndex: Sendable {
    private var strings: [ByteKey: [Int32]] = [:]
    private var addresses: [ByteKey: [Int32]] = [:]
    private var numbers: [Double: [Int32]] = [:]
    private var numberTexts: [String: [Int32]] = [:]
    private var trueIDs: [Int32] = []
    private var falseIDs: [Int32] = []
    private var nullIDs: [Int32] = []
    private var prefixes = ByteTrie()
    private var suffixes = ByteTrie()
    private var foldedStrings: [ByteKey: [Int32]] = [:]
    private var foldedPrefixes = ByteTrie()
    private var foldedSuffixes = ByteTrie()
    private var scanned: [(matcher: ValueMatcher, id: Int32)] = []
    private(set) var entryCount = 0

    private var needsFolding: Bool { !foldedStrings.isEmpty || !foldedPrefixes.isEmpty || !foldedSuffixes.isEmpty }

    mutating func insert(_ matcher: ValueMatcher, id: Int32) {
        entryCount += 1
        switch matcher {
        case .exactString(let bytes): strings[ByteKey(bytes), default: []].append(id)
        case .exactIP(let address): addresses[ByteKey(address), default: []].append(id)
        case .exactNumber(let value): numbers[value, default: []].append(id)
        case .exactNumberText(let text): numberTexts[text, default: []].append(id)
        case .exactBool(let flag): flag ? trueIDs.append(id) : falseIDs.append(id)
        case .exactNull: nullIDs.append(id)
        case .prefix(let bytes): prefixes.insert(bytes, id: id)
        case .suffix(let bytes): suffixes.insert(bytes.reversed(), id: id)
        case .equalsIgnoreCase(let bytes): foldedStrings[ByteKey(bytes), default: []].append(id)
        case .prefixIgnoreCase(let bytes): foldedPrefixes.insert(bytes, id: id)
        case .suffixIgnoreCase(let bytes): foldedSuffixes.insert(bytes.reversed(), id: id)
        case .wildcard, .numeric, .cidr, .exists, .anythingBut: scanned.append((matcher, id))
        }
    }

    mutating func remove(_ matcher: ValueMatcher, id: Int32) {
        entryCount -= 1
        switch matcher {
        case .exactString(let bytes): Self.remove(id, from: &strings, key: ByteKey(bytes))
        case .exactIP(let address): Self.remove(id, from: &addresses, key: ByteKey(address))
        case .exactNumber(let value): Self.remove(id, from: &numbers, key: value)
        case .exactNumberText(let text): Self.remove(id, from: &numberTexts, key: text)
        case .exactBool(let flag): flag ? Self.remove(id, from: &trueIDs) : Self.remove(id, from: &falseIDs)
        case .exactNull: Self.remove(id, from: &nullIDs)
        case .prefix(let bytes): prefixes.remove(bytes, id: id)
        case .suffix(let bytes): suffixes.remove(bytes.reversed(), id: id)
        case .equalsIgnoreCase(let bytes): Self.remove(id, from: &foldedStrings, key: ByteKey(bytes))
        case .prefixIgnoreCase(let bytes): foldedPrefixes.remove(bytes, id: id)
        case .suffixIgnoreCase(let bytes): foldedSuffixes.remove(bytes.reversed(), id: id)
        case .wildcard, .numeric, .cidr, .exists, .anythingBut:
            if let position = scanned.firstIndex(where: { $0.id == id && $0.matcher == matcher }) { scanned.remove(at: position) }
        }
    }

    /// Calls `body` with the id of every condition `leaf` satisfies (an id may be reported more than once).
    func forEachMatch(of leaf: LeafValue, _ body: (Int32) -> Void) {
        switch leaf {
        case .string(let bytes):
            strings[ByteKey(bytes)]?.forEach(body)
            if !addresses.isEmpty, let address = IPAddress.parse(bytes) { addresses[ByteKey(address)]?.forEach(body) }
            if !prefixes.isEmpty { prefixes.forEachPrefix(of: bytes, body) }
            if !suffixes.isEmpty { suffixes.forEachPrefix(of: bytes.reversed(), body) }
            if needsFolding {
                let folded = CaseFolding.fold(bytes)
                foldedStrings[ByteKey(folded)]?.forEach(body)
                if !foldedPrefixes.isEmpty { foldedPrefixes.forEachPrefix(of: folded, body) }
                if !foldedSuffixes.isEmpty { foldedSuffixes.forEachPrefix(of: folded.reversed(), body) }
            }
        case .number(let number):
            if let value = number.value { numbers[value]?.forEach(body) }
            numberTexts[number.text]?.forEach(body)
        case .bool(let flag): (flag ? trueIDs : falseIDs).forEach(body)
        case .null: nullIDs.forEach(body)
        }
        for entry in scanned where entry.matcher.matches(leaf) { body(entry.id) }
    }

    private static func remove<Key: Hashable>(_ id: Int32, from table: inout [Key: [Int32]], key: Key) {
        guard var ids = table[key], let position = ids.firstIndex(of: id) else { return }
        ids.remove(at: position)
        table[key] = ids.isEmpty ? nil : ids
    }

    private static func remove(_ id: Int32, from list: inout [Int32]) {
        if let position = list.firstIndex(of: id) { list.remove(at: position) }
    }
}
