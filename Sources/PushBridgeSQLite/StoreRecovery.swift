import Foundation
import GRDB
import PushBridgeCore

/// Reads everything the store keeps, in creation or acceptance order. Runs once at start, over possibly
/// millions of messages: rows are read from cursors, column by column, and what most messages lack (attempts, a
/// due time) is decoded only when present, attempts by ``AttemptsJSON``.
enum StoreRecovery {
    static func read(_ db: Database) throws -> RecoveredState {
        var state = RecoveredState()
        state.buses = try readBuses(db)
        state.rules = try readRules(db)
        state.targets = try readTargets(db)
        state.messages = try readMessages(db)
        state.deadLetters = try readDeadLetters(db)
        return state
    }

    private static func readBuses(_ db: Database) throws -> [StoredBus] {
        var buses: [StoredBus] = []
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT name, arn, description, created_at, modified_at, kms_key_identifier, dead_letter_arn,
                    log_include_detail, log_level, tags
                FROM buses ORDER BY seq
                """
        )
        while let row = try rows.next() {
            let name: String = try row.decode(atIndex: 0)
            let includeDetail: String? = try row.decode(atIndex: 7)
            let level: String? = try row.decode(atIndex: 8)
            buses.append(
                StoredBus(
                    name: name,
                    arn: try row.decode(atIndex: 1),
                    description: try row.decode(atIndex: 2),
                    createdAt: Timestamp(milliseconds: try row.decode(atIndex: 3)),
                    modifiedAt: row.hasNull(atIndex: 4) ? nil : Timestamp(milliseconds: try row.decode(atIndex: 4)),
                    settings: BusSettings(
                        kmsKeyIdentifier: try row.decode(atIndex: 5),
                        deadLetterArn: try row.decode(atIndex: 6),
                        logConfig: includeDetail == nil && level == nil ? nil : BusSettings.LogConfig(includeDetail: includeDetail, level: level)
                    ),
                    tags: try tags(try row.decode(atIndex: 9), of: "event bus \(name)")
                )
            )
        }
        return buses
    }

    private static func readRules(_ db: Database) throws -> [StoredRule] {
        var rules: [StoredRule] = []
        let rows = try Row.fetchCursor(
            db,
            sql: "SELECT bus, name, arn, pattern, state, description, role_arn, tags, schedule_expression FROM rules ORDER BY seq"
        )
        while let row = try rows.next() {
            let bus: String = try row.decode(atIndex: 0)
            let name: String = try row.decode(atIndex: 1)
            rules.append(
                StoredRule(
                    busName: bus,
                    name: name,
                    arn: try row.decode(atIndex: 2),
                    eventPattern: try row.decode(atIndex: 3),
                    scheduleExpression: try row.decode(atIndex: 8),
                    state: try row.decode(atIndex: 4),
                    description: try row.decode(atIndex: 5),
                    roleArn: try row.decode(atIndex: 6),
                    tags: try tags(try row.decode(atIndex: 7), of: "rule \(bus)/\(name)")
                )
            )
        }
        return rules
    }

    /// Tags as ``ChangeApplier`` writes them; anything else is a damaged database, reported rather than guessed at.
    private static func tags(_ text: String?, of resource: String) throws -> [ResourceTag] {
        guard let tags = ResourceTag.fromStoredJSON(text) else {
            throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "the tags of \(resource) are not valid: \(text ?? "")")
        }
        return tags
    }

    private static func readTargets(_ db: Database) throws -> [RecoveredTarget] {
        var targets: [RecoveredTarget] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT bus, rule, id, json FROM targets ORDER BY seq")
        while let row = try rows.next() {
            let key = TargetKey(busName: try row.decode(atIndex: 0), ruleName: try row.decode(atIndex: 1), targetId: try row.decode(atIndex: 2))
            targets.append(RecoveredTarget(key: key, json: try row.decode(atIndex: 3)))
        }
        return targets
    }

    /// Messages in acceptance order, each with its event. CROSS JOIN keeps `messages` the outer loop (SQLite
    /// does not reorder it), so rows come in `seq` order without a sort. The messages of one event are
    /// consecutive (one `accept` inserts them), so its event's text is read and allocated once and shared. A message
    /// whose event row is missing (which the writer never leaves) could not be delivered and is skipped.
    private static func readMessages(_ db: Database) throws -> [RecoveredMessage] {
        var messages: [RecoveredMessage] = []
        let decoder = JSONDecoder()
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT m.event_id, m.bus, m.rule, m.target_id, m.ingested_at, m.routing_key, m.attempts, m.due_at, e.bus, e.json
                FROM messages AS m CROSS JOIN events AS e ON e.id = m.event_id
                ORDER BY m.seq
                """
        )
        var event: StoredEvent?
        while let row = try rows.next() {
            let eventId: String = try row.decode(atIndex: 0)
            let current: StoredEvent
            if let event, event.id == eventId {
                current = event
            } else {
                current = StoredEvent(id: eventId, busName: try row.decode(atIndex: 8), json: try row.decode(atIndex: 9))
                event = current
            }
            let target = TargetKey(busName: try row.decode(atIndex: 1), ruleName: try row.decode(atIndex: 2), targetId: try row.decode(atIndex: 3))
            let message = StoredMessage(
                target: target,
                ingestedAt: Timestamp(milliseconds: try row.decode(atIndex: 4)),
                routingKey: row.hasNull(atIndex: 5) ? nil : try row.decode(String.self, atIndex: 5)
            )
            var attempts: [DeliveryAttempt] = []
            if !row.hasNull(atIndex: 6) {
                let json: String = try row.decode(atIndex: 6)
                do {
                    attempts = try AttemptsJSON.decode(json) ?? decoder.decode([DeliveryAttempt].self, from: Data(json.utf8))
                } catch {
                    throw RecoveryFailure(reason: "the attempts of message \(eventId) to \(target) are not valid JSON: \(error)")
                }
            }
            let dueAt = row.hasNull(atIndex: 7) ? nil : Timestamp(milliseconds: try row.decode(atIndex: 7))
            messages.append(RecoveredMessage(event: current, message: message, attempts: attempts, dueAt: dueAt))
        }
        return messages
    }

    private static func readDeadLetters(_ db: Database) throws -> [DeadLetterEntry] {
        var entries: [DeadLetterEntry] = []
        let decoder = JSONDecoder()
        let rows = try Row.fetchCursor(db, sql: "SELECT id, entry FROM dead_letters ORDER BY seq")
        while let row = try rows.next() {
            let id: String = try row.decode(atIndex: 0)
            let json: String = try row.decode(atIndex: 1)
            do {
                entries.append(try decoder.decode(DeadLetterEntry.self, from: Data(json.utf8)))
            } catch {
                throw RecoveryFailure(reason: "dead letter \(id) is not valid JSON: \(error)")
            }
        }
        return entries
    }
}

/// Stored data that SQLite read but PushBridge cannot decode.
struct RecoveryFailure: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}
