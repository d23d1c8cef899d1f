import Foundation
import Logging
import PostgresNIO
import PushBridgeCore

/// Reads what the cluster shares: the configuration (at start and whenever another node changes it), dead
/// letters, and the messages a node claims. Every value read is decoded into the runtime's types here; a row
/// that cannot be decoded is reported, never trusted.
struct StoreReader {
    let logger: Logger

    /// Buses, rules and targets as one consistent snapshot, with the configuration version it shows.
    struct Configuration: Sendable, Equatable {
        var version: Int64
        var buses: [StoredBus]
        var rules: [StoredRule]
        var targets: [RecoveredTarget]
    }

    func readConfiguration(_ client: PostgresClient) async throws -> Configuration {
        try await client.withTransaction(logger: logger) { connection in
            // One snapshot for the four reads: a change committed between them must not be half seen.
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger).drain()
            var configuration = Configuration(version: 0, buses: [], rules: [], targets: [])
            for try await version in try await connection.query("SELECT version FROM cluster_config WHERE id = 1", logger: logger)
                .decode(Int64.self)
            {
                configuration.version = version
            }
            let buses = try await connection.query(
                """
                SELECT name, arn, description, created_at, modified_at, kms_key_identifier, dead_letter_arn,
                    log_include_detail, log_level, tags
                FROM buses ORDER BY seq
                """,
                logger: logger
            )
            for try await (name, arn, description, createdAt, modifiedAt, kms, deadLetterArn, includeDetail, level, tagsText) in buses.decode(
                (String, String, String?, Int64, Int64?, String?, String?, String?, String?, String?).self
            ) {
                let logConfig = includeDetail == nil && level == nil ? nil : BusSettings.LogConfig(includeDetail: includeDetail, level: level)
                configuration.buses.append(
                    StoredBus(
                        name: name,
                        arn: arn,
                        description: description,
                        createdAt: Timestamp(milliseconds: createdAt),
                        modifiedAt: modifiedAt.map(Timestamp.init(milliseconds:)),
                        settings: BusSettings(kmsKeyIdentifier: kms, deadLetterArn: deadLetterArn, logConfig: logConfig),
                        tags: tags(tagsText, of: "event bus \(name)")
                    )
                )
            }
            let rules = try await connection.query(
                "SELECT bus, name, arn, pattern, state, description, role_arn, tags, schedule_expression FROM rules ORDER BY seq",
                logger: logger
            )
            for try await (bus, name, arn, pattern, state, description, roleArn, tagsText, schedule) in rules.decode(
                (String, String, String, String?, String, String?, String?, String?, String?).self
            ) {
                configuration.rules.append(
                    StoredRule(
                        busName: bus,
                        name: name,
                        arn: arn,
                        eventPattern: pattern,
                        scheduleExpression: schedule,
                        state: state,
                        description: description,
                        roleArn: roleArn,
                        tags: tags(tagsText, of: "rule \(bus)/\(name)")
                    )
                )
            }
            let targets = try await connection.query("SELECT bus, rule, id, json FROM targets ORDER BY seq", logger: logger)
            for try await (bus, rule, id, json) in targets.decode((String, String, String, String).self) {
                configuration.targets.append(RecoveredTarget(key: TargetKey(busName: bus, ruleName: rule, targetId: id), json: json))
            }
            return configuration
        }
    }

    /// Tags as ``ChangeWriter`` writes them; a row that is not (edited by hand) loses its tags, and says so.
    private func tags(_ text: String?, of resource: String) -> [ResourceTag] {
        if let tags = ResourceTag.fromStoredJSON(text) { return tags }
        logger.error("Tags in PostgreSQL are not valid JSON; they are left out", metadata: ["pb.resource": "\(resource)"])
        return []
    }

    /// Dead letters, oldest first: all of them, or those named by `ids`.
    func readDeadLetters(_ client: PostgresClient, ids: [String]? = nil) async throws -> [DeadLetterEntry] {
        let query: PostgresQuery =
            if let ids { "SELECT id, entry FROM dead_letters WHERE id = ANY(\(ids)) ORDER BY seq" } else {
                "SELECT id, entry FROM dead_letters ORDER BY seq"
            }
        let rows = try await client.query(query, logger: logger)
        var entries: [DeadLetterEntry] = []
        let decoder = JSONDecoder()
        for try await (id, json) in rows.decode((String, String).self) {
            do {
                entries.append(try decoder.decode(DeadLetterEntry.self, from: Data(json.utf8)))
            } catch {
                logger.error("A dead letter in PostgreSQL is not valid JSON; it is left out", metadata: ["pb.dlq.id": "\(id)"])
            }
        }
        return entries
    }

    /// The ids of every dead letter (to find those another node removed while this one was not listening).
    func readDeadLetterIds(_ client: PostgresClient) async throws -> Set<String> {
        var ids = Set<String>()
        for try await id in try await client.query("SELECT id FROM dead_letters", logger: logger).decode(String.self) { ids.insert(id) }
        return ids
    }

    /// Takes over up to `limit` messages of nodes whose lease ran out, oldest first, and returns them with their
    /// events. `FOR UPDATE SKIP LOCKED`: nodes claiming at once take different rows, none waits for another.
    func claimMessages(_ client: PostgresClient, nodeId: String, limit: Int) async throws -> [RecoveredMessage] {
        let rows = try await client.query(
            """
            WITH expired AS (
                SELECT id FROM nodes WHERE lease_until < now() AND id <> \(nodeId)
            ), picked AS (
                SELECT seq FROM messages WHERE lease_owner IN (SELECT id FROM expired)
                ORDER BY seq LIMIT \(limit) FOR UPDATE SKIP LOCKED
            ), claimed AS (
                UPDATE messages AS m SET lease_owner = \(nodeId) FROM picked WHERE m.seq = picked.seq
                RETURNING m.seq, m.event_id, m.bus, m.rule, m.target_id, m.ingested_at, m.routing_key, m.attempts, m.due_at
            )
            SELECT c.event_id, c.bus, c.rule, c.target_id, c.ingested_at, c.routing_key, c.attempts, c.due_at, e.bus, e.json
            FROM claimed AS c JOIN events AS e ON e.id = c.event_id
            ORDER BY c.seq
            """,
            logger: logger
        )
        var messages: [RecoveredMessage] = []
        var event: StoredEvent?
        let decoder = JSONDecoder()
        for try await (eventId, bus, rule, targetId, ingestedAt, routingKey, attemptsJSON, dueAt, eventBus, json) in rows.decode(
            (String, String, String, String, Int64, String?, String?, Int64?, String, String).self
        ) {
            let current: StoredEvent
            if let event, event.id == eventId {
                current = event
            } else {
                current = StoredEvent(id: eventId, busName: eventBus, json: json)
                event = current
            }
            let target = TargetKey(busName: bus, ruleName: rule, targetId: targetId)
            var attempts: [DeliveryAttempt] = []
            if let attemptsJSON {
                // Unreadable attempts lose their history, not the message: it is still delivered.
                attempts = AttemptsJSON.decode(attemptsJSON) ?? (try? decoder.decode([DeliveryAttempt].self, from: Data(attemptsJSON.utf8))) ?? []
            }
            messages.append(
                RecoveredMessage(
                    event: current,
                    message: StoredMessage(target: target, ingestedAt: Timestamp(milliseconds: ingestedAt), routingKey: routingKey),
                    attempts: attempts,
                    dueAt: dueAt.map(Timestamp.init(milliseconds:))
                )
            )
        }
        return messages
    }
}

extension PostgresRowSequence {
    /// Reads and drops every row (a statement whose rows nobody needs).
    func drain() async throws {
        for try await _ in self {}
    }
}
