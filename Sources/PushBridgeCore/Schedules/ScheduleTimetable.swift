/// When each scheduled rule fires next: what the scheduler sleeps until, and what is due when it wakes.
///
/// Pure: the scheduler hands it the rules and the time, so every case is tested without waiting.
public struct ScheduleTimetable: Sendable {
    /// A rule with a schedule, named by its bus and its name.
    public struct RuleKey: Hashable, Sendable, CustomStringConvertible {
        public var busName: String
        public var ruleName: String

        public init(busName: String, ruleName: String) {
            self.busName = busName
            self.ruleName = ruleName
        }

        public var description: String { "\(busName)/\(ruleName)" }
    }

    /// One firing of one rule, at the time its schedule named (the event's `time`).
    public struct Firing: Sendable, Equatable {
        public var rule: RuleKey
        public var time: Timestamp

        public init(rule: RuleKey, time: Timestamp) {
            self.rule = rule
            self.time = time
        }
    }

    private struct Entry {
        var expression: ScheduleExpression
        var next: Timestamp?
    }

    private var entries: [RuleKey: Entry] = [:]

    public init() {}

    /// The rules to fire from now on. A rule whose expression did not change keeps its next firing; a new or
    /// changed one first fires after `now`; one left out is forgotten.
    public mutating func update(_ rules: [RuleKey: ScheduleExpression], now: Timestamp) {
        var updated: [RuleKey: Entry] = [:]
        for (key, expression) in rules {
            if let entry = entries[key], entry.expression == expression {
                updated[key] = entry
            } else {
                updated[key] = Entry(expression: expression, next: expression.nextFiring(after: now))
            }
        }
        entries = updated
    }

    /// The earliest firing ahead; nil when no rule will fire again.
    public var nextFiring: Timestamp? { entries.values.compactMap(\.next).min() }

    /// The rule's next firing (for tests and the operator's view).
    public func nextFiring(of rule: RuleKey) -> Timestamp? { entries[rule]?.next }

    /// The firings due at `now`, one per rule, oldest first, each rule then moved to its first firing after `now`.
    /// A rule that missed several firings (the process was paused or stopped) fires once, at the first it missed:
    /// EventBridge does not make missed firings up either.
    public mutating func takeDue(now: Timestamp) -> [Firing] {
        var due: [Firing] = []
        for (key, entry) in entries {
            guard let next = entry.next, next <= now else { continue }
            due.append(Firing(rule: key, time: next))
            entries[key]?.next = entry.expression.nextFiring(after: now)
        }
        return due.sorted { ($0.time, $0.rule.description) < ($1.time, $1.rule.description) }
    }
}
