import Foundation

/// Wall-clock time in milliseconds since the Unix epoch: what AWS puts on the wire (connectedAt, SentTimestamp)
/// and what the queues schedule retries by.
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public init(date: Date) { self.milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    public static func now() -> Timestamp { Timestamp(date: Date()) }

    public var date: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

    public static func + (lhs: Timestamp, rhs: Duration) -> Timestamp {
        Timestamp(milliseconds: lhs.milliseconds + rhs.wholeMilliseconds)
    }

    public static func - (lhs: Timestamp, rhs: Timestamp) -> Duration { .milliseconds(lhs.milliseconds - rhs.milliseconds) }

    /// RFC 3339 with second precision and `Z`, the form of an EventBridge event's `time`.
    public var rfc3339Seconds: String { format(fractional: false) }

    /// ISO 8601 with milliseconds, the form API Gateway's GetConnection returns.
    public var iso8601Milliseconds: String { format(fractional: true) }

    /// Formats by calendar arithmetic (days to civil date, proleptic Gregorian, UTC). Written by hand because every
    /// accepted event is stamped with its time and Foundation's ISO 8601 format style costs microseconds per call.
    private func format(fractional: Bool) -> String {
        let (seconds, milliseconds) = Self.floorDivide(self.milliseconds, 1000)
        let (days, secondOfDay) = Self.floorDivide(seconds, 86_400)
        let (year, month, day) = Self.civil(fromDays: days)
        var text = ""
        text.reserveCapacity(24)
        Self.append(year, width: 4, to: &text)
        text += "-"
        Self.append(month, width: 2, to: &text)
        text += "-"
        Self.append(day, width: 2, to: &text)
        text += "T"
        Self.append(secondOfDay / 3600, width: 2, to: &text)
        text += ":"
        Self.append(secondOfDay / 60 % 60, width: 2, to: &text)
        text += ":"
        Self.append(secondOfDay % 60, width: 2, to: &text)
        if fractional {
            text += "."
            Self.append(milliseconds, width: 3, to: &text)
        }
        text += "Z"
        return text
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }

    /// Howard Hinnant's days-to-civil algorithm.
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func append(_ value: Int64, width: Int, to text: inout String) {
        let digits = String(value)
        if digits.count < width { text += String(repeating: "0", count: width - digits.count) }
        text += digits
    }

    public var description: String { iso8601Milliseconds }

    /// Parses RFC 3339 text with or without fractional seconds and with any offset.
    public init?(rfc3339 text: String) {
        if let date = try? Date.ISO8601FormatStyle().parse(text) {
            self.init(date: date)
        } else if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) {
            self.init(date: date)
        } else {
            return nil
        }
    }
}

extension Duration {
    /// The duration rounded down to whole milliseconds.
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
