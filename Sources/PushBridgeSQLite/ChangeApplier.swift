import Foundation
import GRDB
import PushBridgeCore

/// Writes ``StoreChange``s inside the writer's transaction, through cached statements: every accepted event and
/// every delivery passes through here. Owned by the writer thread (its JSON encoder is not shared).
///
/// Every change is written so that it cannot fail on the data alone (upserts, deletes of what may be gone):
/// a failing transaction takes everything grouped with it down, so only the disk may fail one.
final class ChangeApplier {
    private let encoder = JSONEncoder()

    func apply(_ change: StoreChange, in db: Database) throws {
        switch change {
        case .putBus(let bus):
            try db.cachedStatement(sql: Self.putBus).execute(arguments: [
                bus.name, bus.arn, bus.description, bus.createdAt.milliseconds, bus.modifiedAt?.milliseconds,
                bus.settings.kmsKeyIdentifier, bus.settings.deadLetterArn, bus.settings.logConfig?.includeDetail,
                bus.settings.logConfig?.level, ResourceTag.storedJSON(bus.tags),
            ])
        case .deleteBus(let name):
            try db.cachedStatement(sql: Self.deleteBus).execute(arguments: [name])
            try db.cachedStatement(sql: Self.deleteRulesOfBus).execute(arguments: [name])
            try db.cachedStatement(sql: Self.deleteTargetsOfBus).execute(arguments: [name])
        case .putRule(let rule):
            try db.cachedStatement(sql: Self.putRule).execute(arguments: [
                rule.busName, rule.name, rule.arn, rule.eventPattern, rule.state, rule.description, rule.roleArn,
                ResourceTag.storedJSON(rule.tags), rule.scheduleExpression,
            ])
        case .deleteRule(let bus, let name):
            try db.cachedStatement(sql: Self.deleteRule).execute(arguments: [bus, name])
            try db.cachedStatement(sql: Self.deleteTargetsOfRule).execute(arguments: [bus, name])
        case .putTarget(let key, let json):
            try db.cachedStatement(sql: Self.putTarget).execute(arguments: [key.busName, key.ruleName, key.targetId, json])
        case .deleteTarget(let key):
            try db.cachedStatement(sql: Self.deleteTarget).execute(arguments: [key.busName, key.ruleName, key.targetId])
        case .accept(let event, let messages):
            // An event without messages has nothing to deliver, and no delete would ever remove its row.
            guard !messages.isEmpty else { return }
            try db.cachedStatement(sql: Self.putEvent).execute(arguments: [event.id, event.busName, event.json])
            let insert = try db.cachedStatement(sql: Self.putMessage)
            for message in messages {
                try insert.execute(arguments: [
                    event.id, message.target.busName, message.target.ruleName, message.target.targetId,
                    message.ingestedAt.milliseconds, message.routingKey,
                ])
            }
        case .reschedule(let key, let attempts, let dueAt):
            let attemptsJSON = attempts.isEmpty ? nil : AttemptsJSON.encode(attempts)
            try db.cachedStatement(sql: Self.reschedule).execute(arguments: [
                attemptsJSON, dueAt?.milliseconds, key.eventId, key.target.busName, key.target.ruleName, key.target.targetId,
            ])
        case .delivered(let key):
            try deleteMessage(key, in: db)
        case .deadLettered(let entry):
            let json = String(decoding: try encoder.encode(entry), as: UTF8.self)
            try db.cachedStatement(sql: Self.putDeadLetter).execute(arguments: [entry.id, entry.deadLetteredAt.milliseconds, json])
            try deleteMessage(MessageKey(eventId: entry.eventId, target: entry.target), in: db)
        case .deadLetterRemoved(let id):
            try db.cachedStatement(sql: Self.deleteDeadLetter).execute(arguments: [id])
        }
    }

    /// Deletes the message, and its event once no other message needs it.
    private func deleteMessage(_ key: MessageKey, in db: Database) throws {
        try db.cachedStatement(sql: Self.deleteMessage).execute(arguments: [
            key.eventId, key.target.busName, key.target.ruleName, key.target.targetId,
        ])
        try db.cachedStatement(sql: Self.deleteOrphanEvent).execute(arguments: [key.eventId])
    }

    // Upserts update in place, so a row keeps its `seq` (creation order) across updates.
    private static let putBus = """
        INSERT INTO buses (
            name, arn, description, created_at, modified_at, kms_key_identifier, dead_letter_arn, log_include_detail, log_level, tags
        ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET
            arn = excluded.arn, description = excluded.description, created_at = excluded.created_at,
            modified_at = excluded.modified_at, kms_key_identifier = excluded.kms_key_identifier,
            dead_letter_arn = excluded.dead_letter_arn, log_include_detail = excluded.log_include_detail,
            log_level = excluded.log_level, tags = excluded.tags
        """
    private static let deleteBus = "DELETE FROM buses WHERE name = ?"
    private static let deleteRulesOfBus = "DELETE FROM rules WHERE bus = ?"
    private static let deleteTargetsOfBus = "DELETE FROM targets WHERE bus = ?"
    private static let putRule = """
        INSERT INTO rules (bus, name, arn, pattern, state, description, role_arn, tags, schedule_expression)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (bus, name) DO UPDATE SET
            arn = excluded.arn, pattern = excluded.pattern, state = excluded.state, description = excluded.description,
            role_arn = excluded.role_arn, tags = excluded.tags, schedule_expression = excluded.schedule_expression
        """
    private static let deleteRule = "DELETE FROM rules WHERE bus = ? AND name = ?"
    private static let deleteTargetsOfRule = "DELETE FROM targets WHERE bus = ? AND rule = ?"
    private static let putTarget = """
        INSERT INTO targets (bus, rule, id, json) VALUES (?, ?, ?, ?)
        ON CONFLICT (bus, rule, id) DO UPDATE SET json = excluded.json
        """
    private static let deleteTarget = "DELETE FROM targets WHERE bus = ? AND rule = ? AND id = ?"
    private static let putEvent = """
        INSERT INTO events (id, bus, json) VALUES (?, ?, ?)
        ON CONFLICT (id) DO UPDATE SET bus = excluded.bus, json = excluded.json
        """
    private static let putMessage = """
        INSERT OR REPLACE INTO messages (event_id, bus, rule, target_id, ingested_at, routing_key) VALUES (?, ?, ?, ?, ?, ?)
        """
    private static let reschedule = """
        UPDATE messages SET attempts = ?, due_at = ? WHERE event_id = ? AND bus = ? AND rule = ? AND target_id = ?
        """
    private static let deleteMessage = "DELETE FROM messages WHERE event_id = ? AND bus = ? AND rule = ? AND target_id = ?"
    private static let deleteOrphanEvent = "DELETE FROM events WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM messages WHERE event_id = ?1)"
    private static let putDeadLetter = "INSERT OR REPLACE INTO dead_letters (id, dead_lettered_at, entry) VALUES (?, ?, ?)"
    private static let deleteDeadLetter = "DELETE FROM dead_letters WHERE id = ?"
}
