import PushBridgeCore
import Testing

/// The scheduler's timetable, without waiting: what is due when, once each, and how rule changes move it.
@Suite("ScheduleTimetable")
struct ScheduleTimetableTests {
    private let minutely = ScheduleTimetable.RuleKey(busName: "default", ruleName: "minutely")
    private let hourly = ScheduleTimetable.RuleKey(busName: "default", ruleName: "hourly")
    private func at(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }

    @Test("A rule is due at its firing time, once, and then waits for the next")
    func dueOnce() {
        var timetable = ScheduleTimetable()
        timetable.update([minutely: ScheduleExpression("rate(1 minute)")!], now: at("2026-12-07T10:15:30Z"))
        #expect(timetable.nextFiring == at("2026-12-07T10:16:00Z"))
        #expect(timetable.takeDue(now: at("2026-12-07T10:15:59Z")).isEmpty)
        #expect(timetable.takeDue(now: at("2026-12-07T10:16:00Z")) == [.init(rule: minutely, time: at("2026-12-07T10:16:00Z"))])
        #expect(timetable.takeDue(now: at("2026-12-07T10:16:00Z")).isEmpty)
        #expect(timetable.nextFiring == at("2026-12-07T10:17:00Z"))
    }

    @Test("Firings missed during a pause are sent once, at the first missed time, and the schedule resumes after now")
    func missed() {
        var timetable = ScheduleTimetable()
        timetable.update([minutely: ScheduleExpression("rate(1 minute)")!], now: at("2026-12-07T10:15:30Z"))
        #expect(timetable.takeDue(now: at("2026-12-07T10:20:10Z")) == [.init(rule: minutely, time: at("2026-12-07T10:16:00Z"))])
        #expect(timetable.nextFiring(of: minutely) == at("2026-12-07T10:21:00Z"))
    }

    @Test("Several rules: the earliest firing is next, and due ones come out oldest first")
    func severalRules() {
        var timetable = ScheduleTimetable()
        timetable.update(
            [minutely: ScheduleExpression("rate(1 minute)")!, hourly: ScheduleExpression("cron(0 * * * ? *)")!],
            now: at("2026-12-07T10:59:30Z")
        )
        #expect(timetable.nextFiring == at("2026-12-07T11:00:00Z"))
        #expect(timetable.takeDue(now: at("2026-12-07T11:00:00Z")).map(\.rule) == [hourly, minutely])
        #expect(timetable.nextFiring == at("2026-12-07T11:01:00Z"))
    }

    @Test("An unchanged rule keeps its next firing; a changed one starts over; a removed one is forgotten")
    func updates() {
        var timetable = ScheduleTimetable()
        timetable.update([minutely: ScheduleExpression("rate(5 minutes)")!], now: at("2026-12-07T10:14:00Z"))
        #expect(timetable.nextFiring == at("2026-12-07T10:15:00Z"))
        // Read again just past the firing, before it was taken: still due, not skipped.
        timetable.update([minutely: ScheduleExpression("rate(5 minutes)")!], now: at("2026-12-07T10:15:01Z"))
        #expect(timetable.takeDue(now: at("2026-12-07T10:15:01Z")).map(\.time) == [at("2026-12-07T10:15:00Z")])
        timetable.update([minutely: ScheduleExpression("rate(1 hour)")!], now: at("2026-12-07T10:16:00Z"))
        #expect(timetable.nextFiring == at("2026-12-07T11:00:00Z"))
        timetable.update([:], now: at("2026-12-07T10:16:00Z"))
        #expect(timetable.nextFiring == nil)
        #expect(timetable.takeDue(now: at("2026-12-08T00:00:00Z")).isEmpty)
    }

    @Test("A rule with no firing left never comes due")
    func exhausted() {
        var timetable = ScheduleTimetable()
        timetable.update([hourly: ScheduleExpression("cron(0 0 30 2 ? *)")!], now: at("2026-12-07T10:00:00Z"))
        #expect(timetable.nextFiring == nil)
        #expect(timetable.takeDue(now: at("2199-12-31T23:59:00Z")).isEmpty)
    }
}
