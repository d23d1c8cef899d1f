import CivilTime

/// The six fields of an EventBridge `cron(…)` expression, in UTC: minutes, hours, day of month, month, day of
/// week (1 = Sunday) and year (1970–2199), with AWS's wildcards: `,` `-` `*` `/` everywhere, `?` `L` `W` in the
/// day of month, `?` `L` `#` in the day of week. Exactly one of the two day fields is `?`.
///
/// Hand-written: no package of the stack reads cron, and EventBridge's dialect (six fields, a year, `?`, Sunday
/// as 1) is not the Unix one.
public struct CronSchedule: Sendable, Equatable {
    /// The expression between the parentheses, as given.
    public let text: String
    let minutes: [Int64]
    let hours: [Int64]
    let months: [Int64]
    let years: [Int64]
    let days: DayRule

    /// Which days of a month fire: one of the two day fields (the other is `?`).
    enum DayRule: Sendable, Equatable {
        case daysOfMonth([Int64])
        /// `L` (offset 0) or `L-n`: the last day of the month, or n days before it.
        case lastDayOfMonth(offset: Int64)
        /// `LW`: the last weekday (Monday to Friday) of the month.
        case lastWeekdayOfMonth
        /// `nW`: the weekday nearest to day n, within its month.
        case weekdayNearest(Int64)
        /// Days of the week, 1 = Sunday.
        case daysOfWeek([Int64])
        /// `nL`: the last day-of-week n of the month.
        case lastOfMonth(weekday: Int64)
        /// `n#k`: the k-th day-of-week n of the month.
        case nthOfMonth(weekday: Int64, occurrence: Int64)
    }

    static let yearRange: ClosedRange<Int64> = 1970...2199
    private static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    private static let weekdayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    /// Parses the six fields; nil when EventBridge would refuse them.
    public init?(_ body: Substring) {
        // EventBridge takes empty items of a list (`cron(0/5, 9-18, ?, *, MON-FRI, *)` is accepted), so they are
        // dropped before a field is read.
        let fields = body.split(separator: " ").map { Substring($0.split(separator: ",").joined(separator: ",")) }
        guard fields.count == 6,
            let minutes = Self.values(fields[0], in: 0...59),
            let hours = Self.values(fields[1], in: 0...23),
            let months = Self.values(fields[3], in: 1...12, names: Self.monthNames),
            let years = Self.values(fields[5], in: Self.yearRange)
        else { return nil }
        let dayOfMonth = fields[2]
        let dayOfWeek = fields[4]
        let days: DayRule?
        switch (dayOfMonth == "?", dayOfWeek == "?") {
        case (false, true): days = Self.dayOfMonthRule(dayOfMonth)
        case (true, false): days = Self.dayOfWeekRule(dayOfWeek)
        default: days = nil
        }
        guard let days else { return nil }
        self.text = String(body)
        self.minutes = minutes
        self.hours = hours
        self.months = months
        self.years = years
        self.days = days
    }

    // MARK: Firing times

    /// The first whole minute strictly after `instant` that the expression selects; nil when none is left.
    public func nextFiring(after instant: Timestamp) -> Timestamp? {
        let startMinute = CivilDateTime.floorDivide(instant.milliseconds, 60_000).quotient + 1
        let (startDay, startMinuteOfDay) = CivilDateTime.floorDivide(startMinute, 1440)
        let start = CivilDateTime(secondsSince1970: startDay * 86_400)
        for year in years where year >= start.year {
            for month in months where year > start.year || month >= start.month {
                let length = CivilDateTime.daysInMonth(year: year, month: month)
                let firstDay = year == start.year && month == start.month ? start.day : 1
                guard firstDay <= length else { continue }
                for day in firstDay...length where fires(year: year, month: month, day: day, length: length) {
                    let dayNumber = CivilDateTime.daysSince1970(year: year, month: month, day: day)
                    let fromMinute = dayNumber == startDay ? startMinuteOfDay : 0
                    if let minuteOfDay = firstMinute(from: fromMinute) {
                        return Timestamp(milliseconds: (dayNumber * 1440 + minuteOfDay) * 60_000)
                    }
                }
            }
        }
        return nil
    }

    private func firstMinute(from minuteOfDay: Int64) -> Int64? {
        for hour in hours where hour >= minuteOfDay / 60 {
            let fromMinute = hour == minuteOfDay / 60 ? minuteOfDay % 60 : 0
            if let minute = minutes.first(where: { $0 >= fromMinute }) { return hour * 60 + minute }
        }
        return nil
    }

    private func fires(year: Int64, month: Int64, day: Int64, length: Int64) -> Bool {
        func weekday(_ day: Int64) -> Int64 {
            // 1970-01-01 was a Thursday (5 with Sunday as 1).
            CivilDateTime.floorDivide(CivilDateTime.daysSince1970(year: year, month: month, day: day) + 4, 7).remainder + 1
        }
        switch days {
        case .daysOfMonth(let values):
            return values.contains(day)
        case .lastDayOfMonth(let offset):
            return day == length - offset
        case .lastWeekdayOfMonth:
            switch weekday(length) {
            case 7: return day == length - 1
            case 1: return day == length - 2
            default: return day == length
            }
        case .weekdayNearest(let target):
            guard target <= length else { return false }
            switch weekday(target) {
            case 7: return day == (target == 1 ? target + 2 : target - 1)
            case 1: return day == (target == length ? target - 2 : target + 1)
            default: return day == target
            }
        case .daysOfWeek(let values):
            return values.contains(weekday(day))
        case .lastOfMonth(let target):
            return weekday(day) == target && day + 7 > length
        case .nthOfMonth(let target, let occurrence):
            return weekday(day) == target && (day - 1) / 7 + 1 == occurrence
        }
    }

    // MARK: Parsing

    private static func dayOfMonthRule(_ field: Substring) -> DayRule? {
        if field == "L" { return .lastDayOfMonth(offset: 0) }
        if field == "LW" { return .lastWeekdayOfMonth }
        if field.hasPrefix("L-") {
            return number(field.dropFirst(2), in: 1...30).map { .lastDayOfMonth(offset: $0) }
        }
        if field.hasSuffix("W") {
            return number(field.dropLast(), in: 1...31).map { .weekdayNearest($0) }
        }
        return values(field, in: 1...31).map { .daysOfMonth($0) }
    }

    private static func dayOfWeekRule(_ field: Substring) -> DayRule? {
        if field == "L" { return .daysOfWeek([7]) }
        if field.hasSuffix("L") {
            return single(field.dropLast(), in: 1...7, names: weekdayNames).map { .lastOfMonth(weekday: $0) }
        }
        let hash = field.split(separator: "#", omittingEmptySubsequences: false)
        if hash.count == 2 {
            guard let weekday = single(hash[0], in: 1...7, names: weekdayNames), let occurrence = number(hash[1], in: 1...5) else {
                return nil
            }
            return .nthOfMonth(weekday: weekday, occurrence: occurrence)
        }
        return values(field, in: 1...7, names: weekdayNames).map { .daysOfWeek($0) }
    }

    /// A list of `*`, `n`, `a-b` (wrapping past the end when a > b, as `FRI-MON`), each optionally `/step`; sorted,
    /// without repeats. `names` spell the values from the range's start (`JAN` is 1). A step is at most the field's
    /// largest value (EventBridge refuses `*/60` for minutes).
    static func values(_ field: Substring, in range: ClosedRange<Int64>, names: [String] = []) -> [Int64]? {
        var selected = Set<Int64>()
        for item in field.split(separator: ",", omittingEmptySubsequences: false) {
            let stepParts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard (1...2).contains(stepParts.count) else { return nil }
            var step: Int64 = 1
            if stepParts.count == 2 {
                guard let value = number(stepParts[1], in: 1...range.upperBound) else { return nil }
                step = value
            }
            let base = stepParts[0]
            let candidates: [Int64]
            if base == "*" {
                candidates = Array(range)
            } else if let dash = base.firstIndex(of: "-") {
                guard let first = single(base[..<dash], in: range, names: names),
                    let last = single(base[base.index(after: dash)...], in: range, names: names)
                else { return nil }
                candidates = first <= last ? Array(first...last) : Array(first...range.upperBound) + Array(range.lowerBound...last)
            } else {
                guard let value = single(base, in: range, names: names) else { return nil }
                // `n/step` runs from n to the end of the range.
                candidates = stepParts.count == 2 ? Array(value...range.upperBound) : [value]
            }
            for (index, value) in candidates.enumerated() where Int64(index) % step == 0 { selected.insert(value) }
        }
        return selected.isEmpty ? nil : selected.sorted()
    }

    /// One value: a number in `range` or one of `names` (any case).
    private static func single(_ text: Substring, in range: ClosedRange<Int64>, names: [String]) -> Int64? {
        if let index = names.firstIndex(of: text.uppercased()) { return range.lowerBound + Int64(index) }
        return number(text, in: range)
    }

    /// Decimal digits only (at most nine: read before any arithmetic), within `range`.
    static func number(_ text: Substring, in range: ClosedRange<Int64>) -> Int64? {
        guard (1...9).contains(text.utf8.count), text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let value = Int64(text), range.contains(value)
        else { return nil }
        return value
    }
}
