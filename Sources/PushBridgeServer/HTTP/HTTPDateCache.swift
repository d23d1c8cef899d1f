import CivilTime
import Foundation
import Synchronization

/// The `Date` header's value (RFC 9110 IMF-fixdate, `Mon, 30 Nov 2026 01:59:26 GMT`), formatted at most once
/// a second. Hummingbird keeps its own cache internal; this one serves responses written by channel handlers.
final class HTTPDateCache: Sendable {
    private let cached = Mutex<(second: Int64, text: String)>((-1, ""))

    var now: String { value(atSecond: Int64(Date().timeIntervalSince1970.rounded(.down))) }

    func value(atSecond second: Int64) -> String {
        if let text = cached.withLock({ $0.second == second ? $0.text : nil }) { return text }
        let text = Self.format(secondsSince1970: second)
        cached.withLock { $0 = (second, text) }
        return text
    }

    private static let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func format(secondsSince1970 seconds: Int64) -> String {
        let civil = CivilDateTime(secondsSince1970: seconds)
        let weekday = weekdays[Int(CivilDateTime.floorDivide(CivilDateTime.floorDivide(seconds, 86_400).quotient, 7).remainder)]
        let pad = CivilDateTime.padded
        return "\(weekday), \(pad(civil.day, 2)) \(months[Int(civil.month) - 1]) \(pad(civil.year, 4)) "
            + "\(pad(civil.hour, 2)):\(pad(civil.minute, 2)):\(pad(civil.second, 2)) GMT"
    }
}
