import PushBridgeCore
import PushBridgeJSON

/// JSON forms of the domain's snapshots, in a stable key order, for the admin API.
enum AdminJSON {
    static func int(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }
    static func time(_ value: Timestamp?) -> JSONValue { value.map { .string($0.iso8601Milliseconds) } ?? .null }
    static func seconds(_ value: Duration) -> JSONValue {
        .number(JSONNumber(Double(value.wholeMilliseconds) / 1000))
    }

    static func object(_ members: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(members)) }

    static func target(_ key: TargetKey) -> JSONValue {
        object([("bus", .string(key.busName)), ("rule", .string(key.ruleName)), ("targetId", .string(key.targetId))])
    }

    static func queue(_ snapshot: QueueSnapshot, deadLetters: Int, oldestWaiting: Timestamp?, now: Timestamp) -> JSONValue {
        let counters = snapshot.counters
        return object([
            ("target", .string(snapshot.target.description)),
            ("bus", .string(snapshot.target.busName)),
            ("rule", .string(snapshot.target.ruleName)),
            ("targetId", .string(snapshot.target.targetId)),
            ("depth", int(snapshot.depth)),
            ("ready", int(snapshot.ready)),
            ("inFlight", int(snapshot.inFlight)),
            ("waitingForRetry", int(snapshot.waitingForRetry)),
            ("nextRetryAt", time(snapshot.nextRetryAt)),
            ("oldestWaitingAgeSeconds", oldestWaiting.map { seconds(now - $0) } ?? .null),
            ("dlqDepth", int(deadLetters)),
            (
                "counters",
                object([
                    ("enqueued", int(counters.enqueued)),
                    ("delivered", int(counters.delivered)),
                    ("failedAttempts", int(counters.failedAttempts)),
                    ("retried", int(counters.retried)),
                    ("deadLettered", int(counters.deadLettered)),
                ])
            ),
        ])
    }

    static func attempt(_ attempt: DeliveryAttempt) -> JSONValue {
        object([
            ("number", int(attempt.number)),
            ("startedAt", time(attempt.startedAt)),
            ("errorCode", attempt.failure.map { .string($0.code) } ?? .null),
            ("errorMessage", attempt.failure.map { .string($0.message) } ?? .null),
            ("retryable", attempt.failure.map { .bool($0.retryable) } ?? .null),
        ])
    }

    /// A dead letter; `detail` adds the event and every attempt.
    static func deadLetter(_ entry: DeadLetterEntry, detail: Bool) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .string(entry.id)),
            ("eventId", .string(entry.eventId)),
            ("target", .string(entry.target.description)),
            ("bus", .string(entry.target.busName)),
            ("rule", .string(entry.target.ruleName)),
            ("targetId", .string(entry.target.targetId)),
            ("ruleArn", .string(entry.ruleArn)),
            ("targetArn", .string(entry.targetArn)),
            ("errorCode", .string(entry.errorCode)),
            ("errorMessage", .string(entry.errorMessage)),
            ("exhaustedRetryCondition", entry.exhaustedRetryCondition.map { .string($0.rawValue) } ?? .null),
            ("retryAttempts", int(entry.retryAttempts)),
            ("ingestedAt", time(entry.ingestedAt)),
            ("firstAttemptAt", time(entry.firstAttemptAt)),
            ("lastAttemptAt", time(entry.lastAttemptAt)),
            ("deadLetteredAt", time(entry.deadLetteredAt)),
        ]
        if detail {
            let attributes = entry.attributes.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }
            members.append(("attributes", object(attributes)))
            members.append(("attempts", .array(entry.attempts.map(attempt))))
            members.append(("event", (try? JSONParser.parse(entry.event)) ?? .string(entry.event)))
        }
        return object(members)
    }

    static func retry(
        _ waiting: (id: UInt64, dueAt: Timestamp, attempts: [DeliveryAttempt], message: DeliveryMessage),
        target: TargetKey
    ) -> JSONValue {
        let lastFailure = waiting.attempts.last { $0.failure != nil }?.failure
        return object([
            ("id", .string(RetryID(target: target, messageId: waiting.id).text)),
            ("target", .string(target.description)),
            ("messageId", .string(String(waiting.id))),
            ("eventId", .string(waiting.message.event.id)),
            ("dueAt", time(waiting.dueAt)),
            ("attempts", int(waiting.attempts.count)),
            ("lastErrorCode", lastFailure.map { .string($0.code) } ?? .null),
            ("lastErrorMessage", lastFailure.map { .string($0.message) } ?? .null),
            ("ingestedAt", time(waiting.message.event.ingestedAt)),
        ])
    }

    static func connection(_ record: ConnectionRecord, subscriptions: [String]?) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("connectionId", .string(record.connectionId)),
            ("sourceIp", .string(record.sourceIp)),
            ("userAgent", .string(record.userAgent)),
            ("stage", record.stage.map { .string($0) } ?? .null),
            ("connectedAt", time(record.connectedAt)),
            ("lastActiveAt", time(record.lastActiveAt)),
            ("userId", record.userId.map { .string($0) } ?? .null),
            ("claims", record.claims.map { .object($0) } ?? .null),
        ]
        if let subscriptions {
            members.append(("subscriptionCount", int(subscriptions.count)))
            members.append(("subscriptions", .array(subscriptions.map { .string($0) })))
        }
        return object(members)
    }
}
