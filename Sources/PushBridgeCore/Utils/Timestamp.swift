import CivilTime
import Foundation

/// Wall-clock time in milliseconds since the Unix epoch: what AWS puts on the wire (connectedAt, SentTimestamp)
/// and what the queues schedule retries by.
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// Saturates at the ends of `Int64` (a date from outside, e.g. a target's `Retry-After`, must not trap).
    public init(date: Date) {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded(.down)
        if milliseconds.isNaN {
            self.milliseconds = 0
        } else if milliseconds >= 9.223_372_036_854_775e18 {
            self.milliseconds = .max
        } else if milliseconds <= -9.223_372_036_854_775e18 {
            self.milliseconds = .min
        } else {
            self.milliseconds = Int64(milliseconds)
        }
    }

    public static func now() -> Timestamp { Timestamp(date: Date()) }

    public var date: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// Saturating: the far future stays the far future instead of trapping.
    public static func + (lhs: Timestamp, rhs: Duration) -> Timestamp {
        Timestamp(milliseconds: lhs.milliseconds.saturatingAdding(rhs.wholeMilliseconds))
    }

    public static func - (lhs: Timestamp, rhs: Timestamp) -> Duration {
        let (difference, overflow) = lhs.milliseconds.subtractingReportingOverflow(rhs.milliseconds)
        guard overflow else { return .milliseconds(difference) }
        return .milliseconds(lhs.milliseconds < rhs.milliseconds ? Int64.min : Int64.max)
    }

    /// RFC 3339 with second precision and `Z`, the form of an EventBridge event's `time`.
    public var rfc3339Seconds: String { format(fractional: false) }

    /// ISO 8601 with milliseconds, the form API Gateway's GetConnection returns.
    public var iso8601Milliseconds: String { format(fractional: true) }

    /// Formats by calendar arithmetic (``CivilDateTime``): every accepted event is stamped with its time, and
    /// Foundation's ISO 8601 format style costs microseconds per call. Years of four digits are written digit by
    /// digit into the string's own storage (one allocation instead of one per field).
    private func format(fractional: Bool) -> String {
        let (seconds, milliseconds) = CivilDateTime.floorDivide(self.milliseconds, 1000)
        let civil = CivilDateTime(secondsSince1970: seconds)
        guard (0...9999).contains(civil.year) else { return Self.format(civil, milliseconds: fractional ? milliseconds : nil) }
        return String(unsafeUninitializedCapacity: fractional ? 24 : 20) { bytes in
            var position = 0
            func write(_ value: Int64, width: Int, then separator: Unicode.Scalar) {
                var rest = value
                for index in stride(from: position + width - 1, through: position, by: -1) {
                    bytes[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
                bytes[position + width] = UInt8(ascii: separator)
                position += width + 1
            }
            write(civil.year, width: 4, then: "-")
            write(civil.month, width: 2, then: "-")
            write(civil.day, width: 2, then: "T")
            write(civil.hour, width: 2, then: ":")
            write(civil.minute, width: 2, then: ":")
            if fractional {
                write(civil.second, width: 2, then: ".")
                write(milliseconds, width: 3, then: "Z")
            } else {
                write(civil.second, width: 2, then: "Z")
            }
            return position
        }
    }

    /// Any year, including those of more than four digits or before year 0.
    private static func format(_ civil: CivilDateTime, milliseconds: Int64?) -> String {
        var text = CivilDateTime.padded(civil.year, width: 4)
        text.reserveCapacity(24)
        text += "-" + CivilDateTime.padded(civil.month, width: 2) + "-" + CivilDateTime.padded(civil.day, width: 2)
        text += "T" + CivilDateTime.padded(civil.hour, width: 2) + ":" + CivilDateTime.padded(civil.minute, width: 2)
        text += ":" + CivilDateTime.padded(civil.second, width: 2)
        if let milliseconds { text += "." + CivilDateTime.padded(milliseconds, width: 3) }
        return text + "Z"
    }

    public var description: String { iso8601Milliseconds }

    /// Parses RFC 3339 text (`2024-05-01T12:00:00Z`, `…00.123+02:00`), with or without fractional seconds and
    /// with any offset, in the proleptic Gregorian calendar RFC 3339 prescribes. Written out because Foundation's
    /// ISO 8601 parser switches to the Julian calendar before 1582, so a time would not print back as it came.
    public init?(rfc3339 text: String) {
        var bytes = Array(text.utf8)[...]
        func number(_ width: Int) -> Int64? {
            guard bytes.count >= width else { return nil }
            var value: Int64 = 0
            for byte in bytes.prefix(width) {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            bytes = bytes.dropFirst(width)
            return value
        }
        func expect(_ characters: String) -> Bool {
            guard let byte = bytes.first, characters.utf8.contains(byte) else { return false }
            bytes = bytes.dropFirst()
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2), expect("Tt"),
            let hour = number(2), expect(":"), let minute = number(2), expect(":"), let second = number(2),
            (1...12).contains(month), (1...CivilDateTime.daysInMonth(year: year, month: month)).contains(day),
            hour < 24, minute < 60, second < 60
        else { return nil }
        var milliseconds: Int64 = 0
        if expect(".") {
            var digits = 0
            while let byte = bytes.first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                if digits < 3 { milliseconds = milliseconds * 10 + Int64(byte - UInt8(ascii: "0")) }
                digits += 1
                bytes = bytes.dropFirst()
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { milliseconds *= 10 }
        }
        var offsetMinutes: Int64 = 0
        if !expect("Zz") {
            guard let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
            bytes = bytes.dropFirst()
            guard let offsetHours = number(2), expect(":"), let offsetMinute = number(2), offsetHours < 24, offsetMinute < 60 else {
                return nil
            }
            offsetMinutes = (offsetHours * 60 + offsetMinute) * (sign == UInt8(ascii: "-") ? -1 : 1)
        }
        guard bytes.isEmpty else { return nil }
        let days = CivilDateTime.daysSince1970(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60
        self.init(milliseconds: seconds * 1000 + milliseconds)
    }
}

extension Duration {
    /// The duration rounded down to whole milliseconds, saturating at the ends of `Int64`.
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        return scaled.saturatingAdding(attoseconds / 1_000_000_000_000_000)
    }
}

extension Int64 {
    /// `self + other`, held at `.min`/`.max` instead of trapping.
    func saturatingAdding(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        guard overflow else { return sum }
        return other < 0 ? .min : .max
    }
}
