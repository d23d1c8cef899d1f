import Foundation
import Logging
import PostgresNIO
import PushBridgeCore

/// Writes ``StoreChange``s inside one transaction of the group commit, and tells the other nodes what they must
/// reload: a configuration change bumps `cluster_config.version` and sends a notification on
/// ``ClusterChannel/configuration``; dead letters added or removed are named on ``ClusterChannel/deadLetters``.
/// Notifications are transactional in PostgreSQL: they leave at commit, or never.
///
/// As in the SQLite journal, every change is written so that it cannot fail on the data alone (upserts, deletes of
/// what may be gone): a failing transaction takes everything grouped with it down.
struct ChangeWriter {
    let nodeId: String
    let logger: Logger

    /// What a committed transaction changed that other nodes care about.
    struct Outcome: Sendable, Equatable {
        /// The configuration version this transaction committed, when it changed buses, rules or targets.
        var configurationVersion: Int64?
    }

    func apply(_ changes: some Sequence<StoreChange>, on connection: PostgresConnection) async throws -> Outcome {
        var configurationChanged = false
        var deadLettersAdded: [String] = []
        var deadLettersRemoved: [String] = []
        let encoder = JSONEncoder()
        for change in changes {
            switch change {
            case .putBus(let bus):
                configurationChanged = true
                let log = bus.settings.logConfig
                try await run(
                    """
                    INSERT INTO buses (
                        name, arn, description, created_at, modified_at, kms_key_identifier, dead_letter_arn,
                        log_include_detail, log_level, tags
                    ) VALUES (
                        \(bus.name), \(bus.arn), \(bus.description), \(bus.createdAt.milliseconds), \(bus.modifiedAt?.milliseconds),
                        \(bus.settings.kmsKeyIdentifier), \(bus.settings.deadLetterArn), \(log?.includeDetail), \(log?.level),
                        \(ResourceTag.storedJSON(bus.tags))
                    )
                    ON CONFLICT (name) DO UPDATE SET
                        arn = excluded.arn, description = excluded.description, created_at = excluded.created_at,
                        modified_at = excluded.modified_at, kms_key_identifier = excluded.kms_key_identifier,
                        dead_letter_arn = excluded.dead_letter_arn, log_include_detail = excluded.log_include_detail,
                        log_level = excluded.log_level, tags = excluded.tags
                    """,
                    on: connection
                )
            case .deleteBus(let name):
                configurationChanged = true
                try await run("DELETE FROM buses WHERE name = \(name)", on: connection)
                try await run("DELETE FROM rules WHERE bus = \(name)", on: connection)
                try await run("DELETE FROM targets WHERE bus = \(name)", on: connection)
            case .putRule(let rule):
                configurationChanged = true
                try await run(
                    """
                    INSERT INTO rules (bus, name, arn, pattern, state, description, role_arn, tags, schedule_expression)
                    VALUES (
                        \(rule.busName), \(rule.name), \(rule.arn), \(rule.eventPattern), \(rule.state), \(rule.description),
                        \(rule.roleArn), \(ResourceTag.storedJSON(rule.tags)), \(rule.scheduleExpression)
                    )
                    ON CONFLICT (bus, name) DO UPDATE SET
                        arn = excluded.arn, pattern = excluded.pattern, state = excluded.state, description = excluded.description,
                        role_arn = excluded.role_arn, tags = excluded.tags, schedule_expression = excluded.schedule_expression
                    """,
                    on: connection
                )
            case .deleteRule(let bus, let name):
                configurationChanged = true
                try await run("DELETE FROM rules WHERE bus = \(bus) AND name = \(name)", on: connection)
                try await run("DELETE FROM targets WHERE bus = \(bus) AND rule = \(name)", on: connection)
            case .putTarget(let key, let json):
                configurationChanged = true
                try await run(
                    """
                    INSERT INTO targets (bus, rule, id, json) VALUES (\(key.busName), \(key.ruleName), \(key.targetId), \(json))
                    ON CONFLICT (bus, rule, id) DO UPDATE SET json = excluded.json
                    """,
                    on: connection
                )
            case .deleteTarget(let key):
                configurationChanged = true
                try await run(
                    "DELETE FROM targets WHERE bus = \(key.busName) AND rule = \(key.ruleName) AND id = \(key.targetId)",
                    on: connection
                )
            case .accept(let event, let messages):
                guard !messages.isEmpty else { continue }
                try await run(
                    """
                    INSERT INTO events (id, bus, json) VALUES (\(event.id), \(event.busName), \(event.json))
                    ON CONFLICT (id) DO UPDATE SET bus = excluded.bus, json = excluded.json
                    """,
                    on: connection
                )
                // The accepting node takes the lease as it inserts: it delivers from memory, as a single node does.
                for message in messages {
                    try await run(
                        """
                        INSERT INTO messages (event_id, bus, rule, target_id, ingested_at, routing_key, lease_owner)
                        VALUES (\(event.id), \(message.target.busName), \(message.target.ruleName), \(message.target.targetId),
                                \(message.ingestedAt.milliseconds), \(message.routingKey), \(nodeId))
                        ON CONFLICT (event_id, bus, rule, target_id) DO UPDATE SET
                            ingested_at = excluded.ingested_at, routing_key = excluded.routing_key, attempts = NULL, due_at = NULL,
                            lease_owner = excluded.lease_owner
                        """,
                        on: connection
                    )
                }
            case .reschedule(let key, let attempts, let dueAt):
                let attemptsJSON = attempts.isEmpty ? nil : AttemptsJSON.encode(attempts)
                // Only while this node holds the message: one that another node claimed is that node's to schedule.
                try await run(
                    """
                    UPDATE messages SET attempts = \(attemptsJSON), due_at = \(dueAt?.milliseconds)
                    WHERE event_id = \(key.eventId) AND bus = \(key.target.busName) AND rule = \(key.target.ruleName)
                      AND target_id = \(key.target.targetId) AND lease_owner = \(nodeId)
                    """,
                    on: connection
                )
            case .delivered(let key):
                try await deleteMessage(key, on: connection)
            case .deadLettered(let entry):
                let json = String(decoding: try encoder.encode(entry), as: UTF8.self)
                try await run(
                    """
                    INSERT INTO dead_letters (id, dead_lettered_at, entry) VALUES (\(entry.id), \(entry.deadLetteredAt.milliseconds), \(json))
                    ON CONFLICT (id) DO UPDATE SET dead_lettered_at = excluded.dead_lettered_at, entry = excluded.entry
                    """,
                    on: connection
                )
                try await deleteMessage(MessageKey(eventId: entry.eventId, target: entry.target), on: connection)
                deadLettersAdded.append(entry.id)
            case .deadLetterRemoved(let id):
                try await run("DELETE FROM dead_letters WHERE id = \(id)", on: connection)
                deadLettersRemoved.append(id)
            }
        }
        var outcome = Outcome()
        if configurationChanged {
            let rows = try await connection.query(
                "UPDATE cluster_config SET version = version + 1 WHERE id = 1 RETURNING version",
                logger: logger
            )
            for try await version in rows.decode(Int64.self) { outcome.configurationVersion = version }
            let payload = ClusterNotification.configurationChanged(node: nodeId, version: outcome.configurationVersion ?? 0).payload
            try await run("SELECT pg_notify(\(ClusterChannel.configuration), \(payload))", on: connection)
        }
        for payload in ClusterNotification.deadLetterPayloads(node: nodeId, added: deadLettersAdded, removed: deadLettersRemoved) {
            try await run("SELECT pg_notify(\(ClusterChannel.deadLetters), \(payload))", on: connection)
        }
        return outcome
    }

    /// Deletes the message, and its event once no other message needs it.
    private func deleteMessage(_ key: MessageKey, on connection: PostgresConnection) async throws {
        try await run(
            """
            DELETE FROM messages WHERE event_id = \(key.eventId) AND bus = \(key.target.busName)
              AND rule = \(key.target.ruleName) AND target_id = \(key.target.targetId)
            """,
            on: connection
        )
        try await run(
            "DELETE FROM events WHERE id = \(key.eventId) AND NOT EXISTS (SELECT 1 FROM messages WHERE event_id = \(key.eventId))",
            on: connection
        )
    }

    private func run(_ query: PostgresQuery, on connection: PostgresConnection) async throws {
        let rows = try await connection.query(query, logger: logger)
        for try await _ in rows {}
    }
}
