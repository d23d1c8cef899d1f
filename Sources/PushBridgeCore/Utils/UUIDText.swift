/// Random (version 4) UUIDs as lower-case text, the form of EventBridge event ids and AWS request ids.
///
/// Written by hand because Foundation's `UUID()` on Linux opens and reads `/dev/urandom` and formats through
/// printf on every call, which showed up on the ingest path; this draws 16 bytes from the system generator.
public enum UUIDText {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        var high = generator.next() as UInt64
        var low = generator.next() as UInt64
        high = (high & ~0xF000) | 0x4000  // version 4
        low = (low & ~(0xC000 << 48)) | (0x8000 << 48)  // RFC 4122 variant
        var bytes = [UInt8]()
        bytes.reserveCapacity(36)
        for (index, word) in [high, low].enumerated() {
            for nibble in (0..<16).reversed() {
                let position = index * 16 + (15 - nibble)
                if position == 8 || position == 12 || position == 16 || position == 20 { bytes.append(UInt8(ascii: "-")) }
                bytes.append(hexDigits[Int((word >> UInt64(nibble * 4)) & 0xF)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
