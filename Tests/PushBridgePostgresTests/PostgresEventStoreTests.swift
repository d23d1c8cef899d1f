import Foundation
import PostgresNIO
import PushBridgeCore
import Synchronization
import Testing

@testable import PushBridgePostgres

@Suite("PostgresEventStore", .serialized, .enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.skipMessage)))
struct PostgresEventStoreTests {
    let logger = TestPostgres.logger

    func event(_ id: String) -> StoredEvent {
        StoredEvent(id: id, busName: "default", json: #"{"id":"\#(id)","detail":{}}"#)
    }

    func message(_ target: String, at milliseconds: Int64 = 1_700_000_000_000) -> StoredMessage {
        StoredMessage(
            target: TargetKey(busName: "default", ruleName: "r", targetId: target),
            ingestedAt: Timestamp(milliseconds: milliseconds),
            routingKey: nil
        )
    }

    func open(_ url: PostgresURL, node: String) async throws -> PostgresEventStore {
        try await PostgresEventStore.open(url: url, node: NodeIdentity(id: node), settings: TestPostgres.fastSettings, logger: logger)
    }

    @Test("Two nodes open one database: the schema is migrated once, both are registered")
    func migratesOnce() async throws {
        try await TestPostgres.withDatabase { url in
            async let a = open(url, node: "node-a")
            async let b = open(url, node: "node-b")
            let (first, second) = try await (a, b)
            let versions = try await TestPostgres.withClient(url) { client in
                var versions: [Int32] = []
                for try await v in try await client.query("SELECT version FROM pushbridge_schema ORDER BY version").decode(Int32.self) {
                    versions.append(v)
                }
                var nodes: [String] = []
                for try await n in try await client.query("SELECT id FROM nodes ORDER BY id").decode(String.self) { nodes.append(n) }
                return (versions, nodes)
            }
            #expect(versions.0 == PostgresSchema.migrations.map { Int32($0.version) })
            #expect(versions.1 == ["node-a", "node-b"])
            await first.shutdown()
            await second.shutdown()
        }
    }

    @Test("A committed accept is in the table, leased by its node, before the commit returns")
    func commitBeforeAnswer() async throws {
        try await TestPostgres.withDatabase { url in
            let store = try await open(url, node: "node-a")
            try await store.commit([.accept(event("e1"), messages: [message("hook")])])
            let owner = try await TestPostgres.withClient(url) { client in
                var owners: [String] = []
                for try await o in try await client.query("SELECT lease_owner FROM messages WHERE event_id = 'e1'").decode(String.self) {
                    owners.append(o)
                }
                return owners
            }
            #expect(owner == ["node-a"])
            await store.shutdown()
        }
    }

    @Test("Submissions made while a transaction runs share the next one (group commit)")
    func groupCommit() async throws {
        try await TestPostgres.withDatabase { url in
            let store = try await open(url, node: "node-a")
            let before = store.transactionCount
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<200 {
                    group.addTask { try await store.commit([.accept(event("g\(index)"), messages: [message("hook")])]) }
                }
                try await group.waitForAll()
            }
            let transactions = store.transactionCount - before
            #expect(transactions >= 1 && transactions < 200)
            await store.shutdown()
        }
    }

    @Test("A live node's messages stay its own; once its lease runs out, the next node recovers them with their attempts")
    func leasesAndClaims() async throws {
        try await TestPostgres.withDatabase { url in
            let a = try await open(url, node: "node-a")
            let attempt = DeliveryAttempt(
                number: 1,
                startedAt: Timestamp(milliseconds: 1_700_000_000_500),
                failure: DeliveryFailure(code: "HTTP_503", message: "unavailable", retryable: true, retryAfter: nil)
            )
            try await a.commit([
                .accept(event("e1"), messages: [message("one"), message("two")]),
                .reschedule(
                    MessageKey(eventId: "e1", target: message("two").target),
                    attempts: [attempt],
                    dueAt: Timestamp(milliseconds: 1_700_000_009_000)
                ),
            ])
            let b = try await open(url, node: "node-b")
            #expect(try b.recover().messages.isEmpty)
            // node-a stops without a word (no heartbeat from here on): after its lease, node-c takes its messages.
            try await Task.sleep(for: .milliseconds(1500))
            let c = try await open(url, node: "node-c")
            let recovered = try c.recover().messages
            #expect(recovered.map(\.message.target.targetId) == ["one", "two"])
            #expect(recovered.first?.event == event("e1"))
            #expect(recovered.last?.attempts == [attempt])
            #expect(recovered.last?.dueAt == Timestamp(milliseconds: 1_700_000_009_000))
            // A message another node claimed is no longer node-a's to reschedule.
            try await a.commit([.reschedule(MessageKey(eventId: "e1", target: message("one").target), attempts: [attempt], dueAt: nil)])
            let attempts = try await TestPostgres.withClient(url) { client in
                var rows: [String?] = []
                for try await value in try await client.query("SELECT attempts FROM messages WHERE target_id = 'one'").decode(String?.self) {
                    rows.append(value)
                }
                return rows
            }
            #expect(attempts == [nil])
            for store in [a, b, c] { await store.shutdown() }
        }
    }

    @Test("Configuration and dead letters are shared: a node that opens later recovers them")
    func sharedConfiguration() async throws {
        try await TestPostgres.withDatabase { url in
            let a = try await open(url, node: "node-a")
            let key = TargetKey(busName: "default", ruleName: "r", targetId: "hook")
            let entry = try deadLetter(id: "dl-1", eventId: "e9", target: key)
            try await a.commit([
                .putRule(
                    StoredRule(busName: "default", name: "r", arn: "arn:r", eventPattern: #"{"source":["x"]}"#, state: "ENABLED", description: nil)
                ),
                .putTarget(key, json: #"{"Id":"hook","Arn":"http://127.0.0.1:9/hook"}"#),
                .accept(event("e9"), messages: [message("hook")]),
                .deadLettered(entry),
            ])
            let b = try await open(url, node: "node-b")
            let state = try b.recover()
            #expect(state.rules.map(\.name) == ["r"])
            #expect(state.targets.map(\.key) == [key])
            #expect(state.deadLetters == [entry])
            #expect(b.recoveredConfigurationVersion >= 1)
            // The dead-lettered message left the messages table with its event.
            let left = try await TestPostgres.withClient(url) { client in
                var count = 0
                for try await n in try await client.query("SELECT (SELECT count(*) FROM messages) + (SELECT count(*) FROM events)").decode(Int64.self)
                {
                    count = Int(n)
                }
                return count
            }
            #expect(left == 0)
            await a.shutdown()
            await b.shutdown()
        }
    }

    @Test("PostgreSQL unreachable: open fails within its timeout, naming the URL without its password")
    func unreachable() async throws {
        var settings = TestPostgres.fastSettings
        settings.commitTimeout = .milliseconds(500)
        // Port 1 on loopback: nothing listens there.
        let url = PostgresURL(host: "127.0.0.1", port: 1, username: "pb", password: "hunter2", database: "db", tlsMode: .disable)
        let started = ContinuousClock.now
        do {
            _ = try await PostgresEventStore.open(url: url, settings: settings, logger: logger)
            Issue.record("opened a store on a closed port")
        } catch {
            #expect(error.kind == .inaccessible)
            #expect(error.description.contains("127.0.0.1:1"))
            #expect(!error.description.contains("hunter2"))
        }
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}

/// A dead letter as the delivery queue makes one (`DeadLetterEntry` has no public initializer), decoded from its
/// Codable form.
func deadLetter(id: String, eventId: String, target: TargetKey) throws -> DeadLetterEntry {
    let encoder = JSONEncoder()
    func json(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
    let text = """
        {"id":\(try json(id)),"eventId":\(try json(eventId)),"event":\(try json(#"{"id":"\#(eventId)"}"#)),
        "target":\(try json(target)),"ruleArn":"arn:aws:events:us-east-1:123456789012:rule/r",
        "targetArn":"http://127.0.0.1:9/hook","errorCode":"HTTP_400","errorMessage":"400 from target",
        "retryAttempts":0,"attempts":[],"ingestedAt":{"milliseconds":1},"deadLetteredAt":{"milliseconds":2}}
        """
    return try JSONDecoder().decode(DeadLetterEntry.self, from: Data(text.utf8))
}
