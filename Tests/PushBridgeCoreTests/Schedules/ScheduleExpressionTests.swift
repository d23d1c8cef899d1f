import PushBridgeCore
import Testing

/// ScheduleExpression as EventBridge reads it: what is valid, and when each expression fires (UTC).
@Suite("ScheduleExpression")
struct ScheduleExpressionTests {
    private func at(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }

    private func next(_ expression: String, after instant: String) -> String? {
        ScheduleExpression(expression)?.nextFiring(after: at(instant))?.rfc3339Seconds
    }

    @Test(
        "AWS's documented rates and cron expressions are valid",
        arguments: [
            "rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(12 hours)", "rate(1 day)", "rate(7 days)",
            "cron(0 10 * * ? *)", "cron(15 12 * * ? *)", "cron(0 18 ? * MON-FRI *)", "cron(0 8 1 * ? *)",
            "cron(0/15 * * * ? *)", "cron(0/10 * ? * MON-FRI *)", "cron(0/5 8-17 ? * MON-FRI *)", "cron(0 9 ? * 2#1 *)",
            "cron(15 10 ? * 6L 2022-2030)", "cron(0 0 L * ? *)", "cron(0 0 L-2 * ? *)", "cron(0 0 LW * ? *)",
            "cron(0 0 15W * ? *)", "cron(0 0 ? * L *)", "cron(0 22-2 * * ? *)", "cron(0 0 ? JAN,JUL SUN *)",
            "cron(0,30 * * * ? 2026/2)", "cron(* * * * ? *)", "cron(*/59 */23 * * ? *)",
            // Empty list items are taken, as EventBridge takes them.
            "cron(0/5, 9-18, ?, *, MON-FRI, *)", "cron(0,,1 * * * ? *)",
        ]
    )
    func valid(_ expression: String) {
        #expect(ScheduleExpression(expression) != nil)
    }

    @Test(
        "What EventBridge refuses is refused",
        arguments: [
            "", "rate", "rate()", "rate(0 minutes)", "rate(1 minutes)", "rate(5 minute)", "rate(-5 minutes)", "rate(1.5 hours)",
            "rate(5  minutes)", "rate(5 seconds)", "rate(5 weeks)", "rate(99999999999999999999 minutes)", "rate(1000000 days)",
            " rate(5 minutes)", "rate(5 minutes) ", "Rate(5 minutes)", "cron()", "cron(0 12 * * *)", "cron(0 12 * * ? * *)",
            "cron(0 12 * * * *)", "cron(0 12 ? * ? *)", "cron(60 12 * * ? *)", "cron(0 24 * * ? *)", "cron(0 12 32 * ? *)",
            "cron(0 12 0 * ? *)", "cron(0 12 * 13 ? *)", "cron(0 12 ? * 8 *)", "cron(0 12 ? * 0 *)", "cron(0 12 * * ? 1969)",
            "cron(0 12 * * ? 2200)", "cron(0/0 * * * ? *)", "cron(a * * * ? *)", "cron(0 12 ? * 2#6 *)", "cron(0 12 L-31 * ? *)",
            "cron(0 12 32W * ? *)", "cron(0 12 ? * FOO *)", "cron(1-2-3 * * * ? *)", "cron(, * * * ? *)", "cron(0 12 ? * 9L *)",
            "cron(0 12 ? * L# *)", "cron(0 12 1 * 1 *)", "at(2026-12-07T10:00:00)", "cron(*/60 * * * ? *)", "cron(0 */24 * * ? *)",
            "cron(7 20 * * 1-7 *)", "cron(15 12 ? * -1 *)", "cron(0/10 * ? * *)", "cron(15 * * * *)",
        ]
    )
    func invalid(_ expression: String) {
        #expect(ScheduleExpression(expression) == nil)
    }

    @Test("A rate fires on the multiples of its period since the epoch, strictly after the given time")
    func rates() {
        #expect(next("rate(5 minutes)", after: "2026-12-07T10:15:30Z") == "2026-12-07T10:20:00Z")
        #expect(next("rate(5 minutes)", after: "2026-12-07T10:20:00Z") == "2026-12-07T10:25:00Z")
        #expect(next("rate(1 minute)", after: "2026-12-07T10:20:59Z") == "2026-12-07T10:21:00Z")
        #expect(next("rate(2 hours)", after: "2026-12-07T11:00:00Z") == "2026-12-07T12:00:00Z")
        #expect(next("rate(1 day)", after: "2026-12-07T23:59:59Z") == "2026-12-08T00:00:00Z")
        #expect(ScheduleExpression("rate(2 hours)") == .rate(minutes: 120))
        #expect(ScheduleExpression("rate(999999 days)")?.nextFiring(after: Timestamp(milliseconds: .max)) == nil)
    }

    @Test("Cron fields select minutes, hours, days and months in UTC")
    func cronTimes() {
        #expect(next("cron(0 12 * * ? *)", after: "2026-12-07T10:15:30Z") == "2026-12-07T12:00:00Z")
        #expect(next("cron(0 12 * * ? *)", after: "2026-12-07T12:00:00Z") == "2026-12-08T12:00:00Z")
        #expect(next("cron(0/15 * * * ? *)", after: "2026-12-07T10:15:30Z") == "2026-12-07T10:30:00Z")
        #expect(next("cron(0/5 8-17 ? * MON-FRI *)", after: "2026-12-07T17:55:00Z") == "2026-12-08T08:00:00Z")
        #expect(next("cron(0 8 1 * ? *)", after: "2026-12-07T00:00:00Z") == "2027-01-01T08:00:00Z")
        #expect(next("cron(0 22-2 * * ? *)", after: "2026-12-07T02:30:00Z") == "2026-12-07T22:00:00Z")
        #expect(next("cron(0 22-2 * * ? *)", after: "2026-12-07T23:00:00Z") == "2026-12-08T00:00:00Z")
        #expect(next("cron(* * * * ? *)", after: "2026-12-31T23:59:00Z") == "2027-01-01T00:00:00Z")
    }

    @Test("Days of the week count from Sunday = 1, with names, ranges and wrap-around")
    func weekdays() {
        // 2026-12-07 is a Monday; the 11th a Friday.
        #expect(next("cron(0 18 ? * MON-FRI *)", after: "2026-12-11T18:00:00Z") == "2026-12-14T18:00:00Z")
        #expect(next("cron(0 18 ? * 2-6 *)", after: "2026-12-11T18:00:00Z") == "2026-12-14T18:00:00Z")
        #expect(next("cron(0 9 ? * 1 *)", after: "2026-12-07T00:00:00Z") == "2026-12-13T09:00:00Z")
        #expect(next("cron(0 9 ? * FRI-MON *)", after: "2026-12-08T00:00:00Z") == "2026-12-11T09:00:00Z")
        #expect(next("cron(0 9 ? * sat *)", after: "2026-12-07T00:00:00Z") == "2026-12-12T09:00:00Z")
    }

    @Test("L, W and # pick the last, nearest-weekday and n-th days of a month")
    func specialDays() {
        #expect(next("cron(0 0 L * ? *)", after: "2027-02-10T00:00:00Z") == "2027-02-28T00:00:00Z")
        #expect(next("cron(0 0 L * ? *)", after: "2028-02-10T00:00:00Z") == "2028-02-29T00:00:00Z")
        #expect(next("cron(0 0 L-2 * ? *)", after: "2026-12-01T00:00:00Z") == "2026-12-29T00:00:00Z")
        // 2027-01-31 is a Sunday: the last weekday is Friday the 29th.
        #expect(next("cron(0 0 LW * ? *)", after: "2027-01-01T00:00:00Z") == "2027-01-29T00:00:00Z")
        // 2027-05-01 is a Saturday: the nearest weekday within May is Monday the 3rd.
        #expect(next("cron(0 0 1W * ? *)", after: "2027-04-15T00:00:00Z") == "2027-05-03T00:00:00Z")
        // 2026-12-12 is a Saturday: Friday the 11th.
        #expect(next("cron(0 0 12W * ? *)", after: "2026-12-01T00:00:00Z") == "2026-12-11T00:00:00Z")
        // The last Friday of December 2026 is the 25th; the first Monday of January 2027 the 4th.
        #expect(next("cron(15 10 ? * 6L 2022-2030)", after: "2026-12-01T00:00:00Z") == "2026-12-25T10:15:00Z")
        #expect(next("cron(0 9 ? * 2#1 *)", after: "2026-12-08T00:00:00Z") == "2027-01-04T09:00:00Z")
        #expect(next("cron(0 0 ? * L *)", after: "2026-12-07T00:00:00Z") == "2026-12-12T00:00:00Z")
    }

    @Test("An expression with no firing left answers none, without searching past 2199")
    func exhausted() {
        #expect(next("cron(0 0 30 2 ? *)", after: "2026-12-07T00:00:00Z") == nil)
        #expect(next("cron(0 0 * * ? 1990)", after: "2026-12-07T00:00:00Z") == nil)
        #expect(next("cron(* * * * ? *)", after: "2199-12-31T23:59:00Z") == nil)
        #expect(next("cron(0 0 31W 4 ? *)", after: "2026-12-07T00:00:00Z") == nil)
        #expect(next("cron(0 0 ? * 2#5 2027)", after: "2026-12-07T00:00:00Z") == "2027-03-29T00:00:00Z")
    }
}
