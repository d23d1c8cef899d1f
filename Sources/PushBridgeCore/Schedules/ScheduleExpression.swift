import CivilTime

/// A rule's `ScheduleExpression` as EventBridge takes it: `rate(N unit)` or `cron(…)` with six fields, in UTC.
///
/// A rate fires on the multiples of its period counted from the Unix epoch (`rate(5 minutes)` at :00, :05, …),
/// so every node of a cluster, and a restarted process, computes the same firing times.
public enum ScheduleExpression: Sendable, Equatable, CustomStringConvertible {
    case rate(minutes: Int64)
    case cron(CronSchedule)

    /// AWS's answer to any expression it cannot read, whatever is wrong with it.
    public static let invalidMessage = "Parameter ScheduleExpression is not valid."

    /// The largest rate value taken: about 1,900 years of days, so the period in milliseconds cannot overflow.
    static let maximumRateValue: Int64 = 999_999

    /// Parses `text`; nil when EventBridge would refuse it.
    public init?(_ text: String) {
        if let body = Self.body(of: text, function: "rate") {
            guard let minutes = Self.rateMinutes(body) else { return nil }
            self = .rate(minutes: minutes)
        } else if let body = Self.body(of: text, function: "cron") {
            guard let schedule = CronSchedule(body) else { return nil }
            self = .cron(schedule)
        } else {
            return nil
        }
    }

    /// The first firing strictly after `instant`, on a whole minute; nil when there is none before the year 2200.
    public func nextFiring(after instant: Timestamp) -> Timestamp? {
        switch self {
        case .rate(let minutes):
            let period = minutes * 60_000
            let (periods, _) = CivilDateTime.floorDivide(instant.milliseconds, period)
            let (next, overflow) = (periods + 1).multipliedReportingOverflow(by: period)
            return overflow ? nil : Timestamp(milliseconds: next)
        case .cron(let schedule):
            return schedule.nextFiring(after: instant)
        }
    }

    public var description: String {
        switch self {
        case .rate(let minutes): "rate(\(minutes) minute\(minutes == 1 ? "" : "s"))"
        case .cron(let schedule): "cron(\(schedule.text))"
        }
    }

    private static func body(of text: String, function: String) -> Substring? {
        guard text.hasPrefix(function + "("), text.hasSuffix(")"), text.count > function.count + 1 else { return nil }
        return text.dropFirst(function.count + 1).dropLast()
    }

    /// `N unit`: a positive whole number, and a unit that is singular for 1 and plural otherwise, as AWS requires.
    private static func rateMinutes(_ body: Substring) -> Int64? {
        let parts = body.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, let value = CronSchedule.number(parts[0], in: 1...maximumRateValue) else { return nil }
        let unit = parts[1]
        let perUnit: Int64
        switch value == 1 ? unit : unit.hasSuffix("s") ? unit.dropLast() : "" {
        case "minute": perUnit = 1
        case "hour": perUnit = 60
        case "day": perUnit = 1440
        default: return nil
        }
        return value * perUnit
    }
}
