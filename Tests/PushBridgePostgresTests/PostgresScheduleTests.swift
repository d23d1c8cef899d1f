import PostgresNIO
import PushBridgeCore
import Testing

@testable import PushBridgePostgres

/// Scheduled rules in a cluster: every node reads a rule's schedule, exactly one node claims each firing, and a
/// database of schema version 3 upgrades in place.
@Suite("PostgreSQL scheduled rules", .serialized, .enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.skipMessage)))
struct PostgresScheduleTests {
    static let rule = StoredRule(
        busName: "default",
        name: "tick",
        arn: "arn:aws:events:us-east-1:000000000000:rule/tick",
        eventPattern: nil,
        scheduleExpression: "cron(0/5 * * * ? *)",
        state: "ENABLED",
        description: nil
    )

    func open(_ url: PostgresURL, node: String) async throws -> PostgresEventStore {
        var settings = TestPostgres.fastSettings
        settings.commitTimeout = .seconds(30)
        return try await PostgresEventStore.open(url: url, node: NodeIdentity(id: node), settings: settings, logger: TestPostgres.logger)
    }

    @Test("A rule's schedule is shared: read by a node that opens later and by a reload")
    func shared() async throws {
        try await TestPostgres.withDatabase { url in
            let a = try await open(url, node: "node-a")
            try await a.commit([.putRule(Self.rule)])
            let b = try await open(url, node: "node-b")
            #expect(try b.recover().rules == [Self.rule])
            var rule = Self.rule
            rule.scheduleExpression = nil
            rule.eventPattern = #"{"source":["x"]}"#
            try await a.commit([.putRule(rule)])
            #expect(try await b.reader.readConfiguration(b.client).rules == [rule])
            await a.shutdown()
            await b.shutdown()
        }
    }

    @Test("Of nodes claiming the same firing at once, exactly one wins; each firing is claimed anew")
    func claims() async throws {
        try await TestPostgres.withDatabase { url in
            let nodes = [try await open(url, node: "node-a"), try await open(url, node: "node-b"), try await open(url, node: "node-c")]
            let time = Timestamp(milliseconds: 1_796_638_500_000)
            for firing in 0..<5 {
                let at = time + .seconds(300 * firing)
                let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                    for node in nodes { group.addTask { try await node.claimFiring(ruleArn: Self.rule.arn, at: at) } }
                    return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                }
                #expect(wins == 1, "firing \(firing)")
            }
            // Another rule's firing at the same time is its own claim.
            #expect(try await nodes[0].claimFiring(ruleArn: "arn:aws:events:us-east-1:000000000000:rule/other", at: time))
            #expect(try await nodes[1].claimFiring(ruleArn: Self.rule.arn, at: time) == false)
            // Claims older than a day are pruned by later claims.
            let dayLater = time + .seconds(86_400 * 2)
            #expect(try await nodes[2].claimFiring(ruleArn: Self.rule.arn, at: dayLater))
            let left = try await TestPostgres.withClient(url) { client in
                var count = 0
                for try await (n) in try await client.query("SELECT count(*) FROM schedule_firings", logger: TestPostgres.logger).decode(Int.self) {
                    count = n
                }
                return count
            }
            #expect(left == 1)
            for node in nodes { await node.shutdown() }
        }
    }

    @Test("A database of schema version 3 upgrades: its rules come back without a schedule and can take one")
    func upgradeFromVersion3() async throws {
        try await TestPostgres.withDatabase { url in
            let applied = try await TestPostgres.withClient(url) { client in
                let applied = try await SchemaMigrator.migrate(
                    client,
                    migrations: Array(PostgresSchema.migrations.prefix(3)),
                    logger: TestPostgres.logger
                )
                try await client.query(
                    "INSERT INTO rules (bus, name, arn, pattern, state, description) VALUES ('default', 'tick', 'arn:r', '{}', 'ENABLED', NULL)",
                    logger: TestPostgres.logger
                ).drain()
                return applied
            }
            #expect(applied == [1, 2, 3])
            let store = try await open(url, node: "node-a")
            var rule = try #require(try store.recover().rules.first)
            #expect(rule.scheduleExpression == nil)
            rule.scheduleExpression = "rate(1 hour)"
            try await store.commit([.putRule(rule)])
            #expect(try await store.reader.readConfiguration(store.client).rules == [rule])
            #expect(try await store.claimFiring(ruleArn: rule.arn, at: Timestamp(milliseconds: 3_600_000)))
            await store.shutdown()
        }
    }
}
