import PushBridgeJSON

/// The `messages.attempts` column of the SQLite and PostgreSQL stores: JSON in the form `JSONEncoder` gives
/// `[DeliveryAttempt]` (so `JSONDecoder` reads it too), written and read by hand. Foundation's coders take about
/// 10 µs per attempt, and a restart after a target's outage recovers millions of messages with attempts; this takes
/// well under one.
///
/// The reader accepts exactly what the writer writes (no whitespace, keys in the writer's order) and returns nil
/// for anything else, which the caller leaves to `JSONDecoder`. A field added to ``DeliveryAttempt`` or
/// ``DeliveryFailure`` must be added here too (a test counts their fields).
public enum AttemptsJSON {
    public static func encode(_ attempts: [DeliveryAttempt]) -> String {
        var text = "["
        for attempt in attempts {
            if text.utf8.count > 1 { text += "," }
            text += #"{"number":"# + String(attempt.number)
            text += #","startedAt":{"milliseconds":"# + String(attempt.startedAt.milliseconds) + "}"
            if let failure = attempt.failure {
                text += #","failure":{"code":"#
                JSONValue.writeString(failure.code, to: &text)
                text += #","message":"#
                JSONValue.writeString(failure.message, to: &text)
                text += #","retryable":"# + (failure.retryable ? "true" : "false")
                if let retryAfter = failure.retryAfter {
                    text += #","retryAfter":{"milliseconds":"# + String(retryAfter.milliseconds) + "}"
                }
                text += "}"
            }
            text += "}"
        }
        return text + "]"
    }

    /// nil when `text` is not in the writer's form.
    public static func decode(_ text: String) -> [DeliveryAttempt]? {
        var text = text
        return text.withUTF8 { bytes in
            var reader = Reader(bytes: bytes)
            return reader.attempts()
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func attempts() -> [DeliveryAttempt]? {
            guard expect("[") else { return nil }
            var attempts: [DeliveryAttempt] = []
            if !expect("]") {
                repeat {
                    guard let attempt = attempt() else { return nil }
                    attempts.append(attempt)
                } while expect(",")
                guard expect("]") else { return nil }
            }
            return index == bytes.count ? attempts : nil
        }

        private mutating func attempt() -> DeliveryAttempt? {
            guard expect(#"{"number":"#), let number = integer(), expect(#","startedAt":{"milliseconds":"#),
                let startedAt = integer(), expect("}")
            else { return nil }
            var failure: DeliveryFailure?
            if expect(#","failure":{"code":"#) {
                guard let code = string(), expect(#","message":"#), let message = string(), expect(#","retryable":"#),
                    let retryable = boolean()
                else { return nil }
                var retryAfter: Timestamp?
                if expect(#","retryAfter":{"milliseconds":"#) {
                    guard let milliseconds = integer(), expect("}") else { return nil }
                    retryAfter = Timestamp(milliseconds: milliseconds)
                }
                guard expect("}") else { return nil }
                failure = DeliveryFailure(code: code, message: message, retryable: retryable, retryAfter: retryAfter)
            }
            guard expect("}") else { return nil }
            return DeliveryAttempt(number: Int(number), startedAt: Timestamp(milliseconds: startedAt), failure: failure)
        }

        private mutating func expect(_ literal: StaticString) -> Bool {
            let matches = literal.withUTF8Buffer { expected in
                guard bytes.count - index >= expected.count else { return false }
                for offset in 0..<expected.count where bytes[index + offset] != expected[offset] { return false }
                return true
            }
            if matches { index += literal.utf8CodeUnitCount }
            return matches
        }

        /// An integer in `Int64` (accumulated negative, so that `Int64.min` fits).
        private mutating func integer() -> Int64? {
            let negative = expect("-")
            var value: Int64 = 0
            let start = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                let (scaled, overflow) = value.multipliedReportingOverflow(by: 10)
                let (next, underflow) = scaled.subtractingReportingOverflow(Int64(bytes[index] - UInt8(ascii: "0")))
                guard !overflow, !underflow else { return nil }
                value = next
                index += 1
            }
            guard index > start else { return nil }
            if negative { return value }
            return value == .min ? nil : -value
        }

        private mutating func boolean() -> Bool? {
            if expect("true") { return true }
            if expect("false") { return false }
            return nil
        }

        private mutating func string() -> String? {
            guard expect("\"") else { return nil }
            let start = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
                guard bytes[index] >= 0x20 else { return nil }
                index += 1
            }
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index - 1]), as: UTF8.self)
            }
            // Escapes: rare (the writer escapes only quotes, backslashes and control characters).
            var utf8 = Array(bytes[start..<index])
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return String(decoding: utf8, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { return nil }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                    case UInt8(ascii: "b"): utf8.append(0x08)
                    case UInt8(ascii: "f"): utf8.append(0x0C)
                    case UInt8(ascii: "n"): utf8.append(0x0A)
                    case UInt8(ascii: "r"): utf8.append(0x0D)
                    case UInt8(ascii: "t"): utf8.append(0x09)
                    case UInt8(ascii: "u"):
                        guard let scalar = unicodeEscape() else { return nil }
                        utf8.append(contentsOf: String(Character(scalar)).utf8)
                    default: return nil
                    }
                case ..<0x20:
                    return nil
                default:
                    utf8.append(byte)
                }
            }
            return nil
        }

        /// The scalar of `\uXXXX` (its `\u` read), with a following low surrogate when it is a high one.
        private mutating func unicodeEscape() -> Unicode.Scalar? {
            guard let high = hex4() else { return nil }
            guard (0xD800..<0xDC00).contains(high) else { return Unicode.Scalar(high) }
            guard expect("\\u"), let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
            return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
        }

        private mutating func hex4() -> UInt32? {
            guard bytes.count - index >= 4 else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = Character(Unicode.Scalar(bytes[index])).hexDigitValue else { return nil }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }
    }
}
