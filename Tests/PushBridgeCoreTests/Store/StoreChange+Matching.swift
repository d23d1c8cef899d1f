import PushBridgeCore

/// `StoreChange` is not `Equatable` (nor need it be outside tests): these read one case at a time, and
/// ``summary`` gives a log of changes a form that compares in one `#expect`.
extension StoreChange {
    /// One line naming the change and what identifies it, e.g. `reschedule e1 default/R/T attempts=2 dueAt=…`.
    var summary: String {
        switch self {
        case .putBus(let bus): "putBus \(bus.name)"
        case .deleteBus(let name): "deleteBus \(name)"
        case .putRule(let rule): "putRule \(rule.busName)/\(rule.name) \(rule.state)"
        case .deleteRule(let bus, let name): "deleteRule \(bus)/\(name)"
        case .putTarget(let key, _): "putTarget \(key)"
        case .deleteTarget(let key): "deleteTarget \(key)"
        case .accept(let event, let messages): "accept \(event.id) -> \(messages.map(\.target.description).joined(separator: ","))"
        case .reschedule(let key, let attempts, let dueAt):
            "reschedule \(key.eventId) \(key.target) attempts=\(attempts.count) dueAt=\(dueAt.map { "\($0.milliseconds)" } ?? "nil")"
        case .delivered(let key): "delivered \(key.eventId) \(key.target)"
        case .deadLettered(let entry): "deadLettered \(entry.id)"
        case .deadLetterRemoved(let id): "deadLetterRemoved \(id)"
        }
    }

    var putBus: StoredBus? {
        guard case .putBus(let bus) = self else { return nil }
        return bus
    }

    var putRule: StoredRule? {
        guard case .putRule(let rule) = self else { return nil }
        return rule
    }

    var putTarget: (key: TargetKey, json: String)? {
        guard case .putTarget(let key, let json) = self else { return nil }
        return (key, json)
    }

    var accepted: (event: StoredEvent, messages: [StoredMessage])? {
        guard case .accept(let event, let messages) = self else { return nil }
        return (event, messages)
    }

    var rescheduled: (key: MessageKey, attempts: [DeliveryAttempt], dueAt: Timestamp?)? {
        guard case .reschedule(let key, let attempts, let dueAt) = self else { return nil }
        return (key, attempts, dueAt)
    }

    var delivered: MessageKey? {
        guard case .delivered(let key) = self else { return nil }
        return key
    }

    var deadLettered: DeadLetterEntry? {
        guard case .deadLettered(let entry) = self else { return nil }
        return entry
    }

    var removedDeadLetterId: String? {
        guard case .deadLetterRemoved(let id) = self else { return nil }
        return id
    }
}
