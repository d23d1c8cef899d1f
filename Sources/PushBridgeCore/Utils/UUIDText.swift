import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Random (version 4) UUIDs as lower-case text, the form of EventBridge event ids and AWS request ids.
///
/// Written by hand because Foundation's `UUID()` on Linux opens and reads `/dev/urandom` and formats through
/// printf on every call, which showed up on the ingest path. Random bytes come from the system generator
/// 4 KiB at a time: drawing 16 bytes per id took two `getrandom` system calls per id, two ids per request.
public enum UUIDText {
    private static let hexDigits: StaticString = "0123456789abcdef"
    private static let pool = Mutex(RandomPool())

    public static func random() -> String {
        let (high, low) = pool.withLock { $0.next() }
        return format(high: (high & ~0xF000) | 0x4000, low: (low & ~(0xC000 << 48)) | (0x8000 << 48))  // version 4, RFC 4122 variant
    }

    private static func format(high: UInt64, low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { output in
            hexDigits.withUTF8Buffer { digits in
                var position = 0
                for index in 0..<32 {
                    if index == 8 || index == 12 || index == 16 || index == 20 {
                        output[position] = UInt8(ascii: "-")
                        position += 1
                    }
                    let word = index < 16 ? high : low
                    output[position] = digits[Int((word >> UInt64(60 - (index % 16) * 4)) & 0xF)]
                    position += 1
                }
                return position
            }
        }
    }

    /// Bytes from the system's cryptographic generator, handed out 16 at a time.
    private struct RandomPool: ~Copyable {
        private static let words = 512
        private let storage = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: words)
        private var used = words

        mutating func next() -> (UInt64, UInt64) {
            if used + 2 > Self.words {
                arc4random_buf(storage.baseAddress!, Self.words * MemoryLayout<UInt64>.size)
                used = 0
            }
            defer { used += 2 }
            return (storage[used], storage[used + 1])
        }

        deinit { storage.deallocate() }
    }
}
