import CivilTime
import Foundation

/// The two renderings of the signing time SigV4 needs: `yyyyMMdd'T'HHmmss'Z'` (the `X-Amz-Date` value) and
/// `yyyyMMdd` (the credential scope), always in UTC.
///
/// Computed arithmetically instead of with `DateFormatter`, which is slow to create, locale- and calendar-sensitive
/// and not meant for a per-request hot path.
struct AmzDate: Sendable, Equatable {
    /// `20150830T123600Z`
    let dateTime: String
    /// `20150830`
    let date: String

    /// The instants the format can write: years 0000 to 9999.
    static let representableSeconds: ClosedRange<Int64> = -62_167_219_200...253_402_300_799

    init(_ instant: Date) {
        self.init(secondsSince1970: Self.wholeSeconds(instant))
    }

    init(secondsSince1970: Int64) {
        let civil = CivilDateTime(secondsSince1970: secondsSince1970)
        let date =
            CivilDateTime.padded(civil.year, width: 4) + CivilDateTime.padded(civil.month, width: 2)
            + CivilDateTime.padded(civil.day, width: 2)
        let time =
            CivilDateTime.padded(civil.hour, width: 2) + CivilDateTime.padded(civil.minute, width: 2)
            + CivilDateTime.padded(civil.second, width: 2)
        self.date = date
        self.dateTime = "\(date)T\(time)Z"
    }

    /// The whole seconds of `instant` (fractions dropped, as every signer does), clamped to what the format can
    /// write, so that no clock value, however wrong, traps when converted.
    static func wholeSeconds(_ instant: Date) -> Int64 {
        let seconds = instant.timeIntervalSince1970.rounded(.down)
        guard seconds.isFinite else { return seconds > 0 ? representableSeconds.upperBound : representableSeconds.lowerBound }
        if seconds <= Double(representableSeconds.lowerBound) { return representableSeconds.lowerBound }
        if seconds >= Double(representableSeconds.upperBound) { return representableSeconds.upperBound }
        return Int64(seconds)
    }

    /// Reads an `X-Amz-Date` value: exactly `yyyyMMdd'T'HHmmss'Z'` with a real calendar date and a time of day
    /// (no leap second). Every field has a fixed number of digits, so no value can overflow.
    static func secondsSince1970(parsing text: some StringProtocol) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(4..<6), let day = number(6..<8),
            let hour = number(9..<11), let minute = number(11..<13), let second = number(13..<15),
            (1...12).contains(month), day >= 1, day <= CivilDateTime.daysInMonth(year: year, month: month),
            hour < 24, minute < 60, second < 60
        else { return nil }
        let days = CivilDateTime.daysSince1970(year: year, month: month, day: day)
        return days * 86_400 + hour * 3600 + minute * 60 + second
    }
}
