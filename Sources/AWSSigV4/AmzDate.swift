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

    init(_ instant: Date) {
        let civil = CivilDateTime(secondsSince1970: Int64(instant.timeIntervalSince1970.rounded(.down)))
        let date =
            CivilDateTime.padded(civil.year, width: 4) + CivilDateTime.padded(civil.month, width: 2)
            + CivilDateTime.padded(civil.day, width: 2)
        let time =
            CivilDateTime.padded(civil.hour, width: 2) + CivilDateTime.padded(civil.minute, width: 2)
            + CivilDateTime.padded(civil.second, width: 2)
        self.date = date
        self.dateTime = "\(date)T\(time)Z"
    }
}
