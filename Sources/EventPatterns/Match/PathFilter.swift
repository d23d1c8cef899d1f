/// The field paths some held condition reads, and the object paths that lead to them.
///
/// Lets ``FlattenedEvent`` skip what no rule looks at: a typical event carries a dozen fields while the rules
/// of a bus read two or three, and flattening the rest was most of the cost of matching a few rules.
struct PathFilter: Sendable {
    /// Paths read by conditions → how many interned conditions read them.
    private var leafPaths: [ByteKey: Int] = [:]
    /// Every prefix of a read path that ends just before a `.` → how many read paths it leads to.
    private var innerPaths: [ByteKey: Int] = [:]

    mutating func insert(_ path: [UInt8]) {
        leafPaths[ByteKey(path), default: 0] += 1
        for prefix in Self.innerPrefixes(of: path) { innerPaths[prefix, default: 0] += 1 }
    }

    mutating func remove(_ path: [UInt8]) {
        Self.decrement(&leafPaths, ByteKey(path))
        for prefix in Self.innerPrefixes(of: path) { Self.decrement(&innerPaths, prefix) }
    }

    /// Whether a scalar at `path` is kept.
    func keepsLeaf(at path: ByteKey) -> Bool { leafPaths[path] != nil }

    /// Whether an object or array at `path` may hold kept leaves (arrays add no path segment, so an array at a
    /// read path holds leaves at that very path).
    func entersContainer(at path: ByteKey) -> Bool { innerPaths[path] != nil || leafPaths[path] != nil }

    /// Prefixes cut before each `.`: `a.b.c` gives `a` and `a.b`. Keys may contain dots themselves (`{"a.b":…}`
    /// flattens to the same path as `{"a":{"b":…}}`), and this covers both.
    private static func innerPrefixes(of path: [UInt8]) -> [ByteKey] {
        path.indices.filter { path[$0] == UInt8(ascii: ".") }.map { ByteKey(Array(path[..<$0])) }
    }

    private static func decrement(_ counts: inout [ByteKey: Int], _ key: ByteKey) {
        guard let count = counts[key] else { return }
        counts[key] = count > 1 ? count - 1 : nil
    }
}
