/// UTF-8 bytes as a dictionary key (field paths, exact values).
///
/// `[UInt8]`'s own `Hashable` feeds the hasher one byte at a time, which dominated path and value lookups
/// while matching; this hashes the whole buffer in one call. Equality stays byte-exact.
struct ByteKey: Hashable, Sendable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    static func == (lhs: ByteKey, rhs: ByteKey) -> Bool { lhs.bytes == rhs.bytes }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
