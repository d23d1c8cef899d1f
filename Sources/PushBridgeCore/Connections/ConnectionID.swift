import Synchronization

/// Makes connection ids like API Gateway's: 16 URL-safe characters, opaque, never repeated in one process, never
/// starting with `-`.
///
/// A counter guarantees uniqueness; passing it through a keyed bijection (multiply by an odd constant, xor a
/// random key) and appending random bytes makes the ids unguessable in sequence.
public final class ConnectionIDGenerator: Sendable {
    private let counter = Atomic<UInt64>(0)
    private let key: UInt64

    public init() {
        var generator = SystemRandomNumberGenerator()
        self.key = generator.next()
    }

    public func next() -> String {
        let sequence = counter.add(1, ordering: .relaxed).newValue
        let mixed = (sequence &* 0x9E37_79B9_7F4A_7C15) ^ key
        var generator = SystemRandomNumberGenerator()
        let salt = UInt32.random(in: .min ... .max, using: &generator)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(12)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: mixed >> UInt64(shift))) }
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: salt >> UInt32(shift))) }
        return Self.leadingDashReplaced(Self.base64URL(bytes))
    }

    /// An id that starts with `-` reads as an option to command-line tools (`pushbridge connections show -Cx…`
    /// failed); `~` is URL-safe too and appears nowhere else in an id, so ids stay distinct.
    public static func leadingDashReplaced(_ id: String) -> String {
        guard id.utf8.first == UInt8(ascii: "-") else { return id }
        return "~" + id.dropFirst()
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Base64url without padding; 12 bytes give exactly 16 characters.
    static func base64URL(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count / 3 * 4)
        var index = 0
        while index + 2 < bytes.count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            for shift in [18, 12, 6, 0] { output.append(alphabet[Int((chunk >> UInt32(shift)) & 0x3F)]) }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }
}
