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

    init(_ instant: Date) {
        let seconds = Int64(instant.timeIntervalSince1970.rounded(.down))
        let (days, secondOfDay) = seconds.quotientAndRemainderFlooring(dividingBy: 86_400)
        let (year, month, day) = Self.civilFromDays(days)
        let date = Self.pad(year, 4) + Self.pad(month, 2) + Self.pad(day, 2)
        let time = Self.pad(secondOfDay / 3600, 2) + Self.pad(secondOfDay % 3600 / 60, 2) + Self.pad(secondOfDay % 60, 2)
        self.date = date
        self.dateTime = "\(date)T\(time)Z"
    }

    /// Howard Hinnant's `civil_from_days`: proleptic Gregorian date for a day count since 1970-01-01.
    private static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

extension Int64 {
    /// Division rounding towards negative infinity, so instants before 1970 land on the right day.
    fileprivate func quotientAndRemainderFlooring(dividingBy divisor: Int64) -> (Int64, Int64) {
        var (quotient, remainder) = quotientAndRemainder(dividingBy: divisor)
        if remainder < 0 {
            quotient -= 1
            remainder += divisor
        }
        return (quotient, remainder)
    }
}
