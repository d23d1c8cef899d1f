import PushBridgeJSON
import Synchronization

/// Scheduled rules: what the scheduler fires, and a firing's event sent to the rule's own targets.
extension EventRouter {
    /// What became of one firing.
    public enum FiringOutcome: Sendable, Equatable {
        /// Queued for this many targets (0: the rule has none).
        case fired(targets: Int)
        /// The rule is gone, disabled or no longer scheduled.
        case skipped
        /// A target's queue was full: this firing is not sent (the next one will be tried).
        case throttled
        /// The store could not record it; nothing was queued.
        case notRecorded(EventStoreError)
    }

    /// The enabled rules with a schedule, and their parsed expressions.
    public func scheduledRules() -> [ScheduleTimetable.RuleKey: ScheduleExpression] {
        buses.withLock { buses in
            var scheduled: [ScheduleTimetable.RuleKey: ScheduleExpression] = [:]
            for bus in buses.values {
                for rule in bus.rules.values where rule.state.routesEvents {
                    guard let text = rule.scheduleExpression, let expression = ScheduleExpression(text) else { continue }
                    scheduled[ScheduleTimetable.RuleKey(busName: bus.name, ruleName: rule.name)] = expression
                }
            }
            return scheduled
        }
    }

    /// The event EventBridge sends for a scheduled rule: from `aws.events`, detail-type `Scheduled Event`, the rule's
    /// ARN as its one resource, an empty detail and the scheduled time.
    public func scheduledEvent(for rule: RuleDefinition, at time: Timestamp) -> Event {
        Event(
            id: UUIDText.random(),
            source: "aws.events",
            detailType: "Scheduled Event",
            account: account.accountId,
            region: account.region,
            time: time,
            resources: [rule.arn],
            detail: .object(JSONObject()),
            eventBusName: rule.busName,
            ingestedAt: clock.now()
        )
    }

    /// Sends one firing's event to the targets of its rule only: a scheduled event is not put on the bus, so no other
    /// rule sees it (as in AWS). Recorded in a durable store before it is queued, like an accepted PutEvents entry.
    public func fire(_ firing: ScheduleTimetable.Firing) async -> FiringOutcome {
        guard let rule = rule(firing.rule.ruleName, bus: firing.rule.busName), rule.state.routesEvents, rule.scheduleExpression != nil else {
            return .skipped
        }
        let event = scheduledEvent(for: rule, at: firing.time)
        let messages = rule.targets.map { Self.message(for: event, rule: rule, target: $0) }
        guard case .ready(let prepared) = reserve(event, messages: messages) else { return .throttled }
        if store.isDurable, let change = prepared.storeChange {
            do {
                try await store.commit([change])
            } catch {
                cancel(prepared)
                return .notRecorded(error)
            }
        }
        enqueue(prepared)
        return .fired(targets: messages.count)
    }
}
