/// A trie over UTF-8 bytes whose nodes carry condition ids: the prefix index of a field. Walking an event
/// value once yields every stored key that is a prefix of it, in time proportional to the value's length.
/// Suffixes use the same trie over reversed bytes.
struct ByteTrie: Sendable {
    private struct Node: Sendable {
        var children: [UInt8: Int32] = [:]
        var ids: [Int32] = []
    }

    private var nodes = [Node()]
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    mutating func insert(_ key: some Sequence<UInt8>, id: Int32) {
        var node = 0
        for byte in key {
            if let next = nodes[node].children[byte] {
                node = Int(next)
            } else {
                nodes.append(Node())
                let next = nodes.count - 1
                nodes[node].children[byte] = Int32(next)
                node = next
            }
        }
        nodes[node].ids.append(id)
        count += 1
    }

    /// Removes one occurrence of `id` under `key`. Nodes are kept; they are reused by later inserts.
    mutating func remove(_ key: some Sequence<UInt8>, id: Int32) {
        var node = 0
        for byte in key {
            guard let next = nodes[node].children[byte] else { return }
            node = Int(next)
        }
        if let position = nodes[node].ids.firstIndex(of: id) {
            nodes[node].ids.remove(at: position)
            count -= 1
        }
    }

    /// Calls `body` with the ids of every key that is a prefix of `value` (including the empty key).
    func forEachPrefix(of value: some Sequence<UInt8>, _ body: (Int32) -> Void) {
        var node = 0
        for id in nodes[0].ids { body(id) }
        for byte in value {
            guard let next = nodes[node].children[byte] else { return }
            node = Int(next)
            for id in nodes[node].ids { body(id) }
        }
    }
}
