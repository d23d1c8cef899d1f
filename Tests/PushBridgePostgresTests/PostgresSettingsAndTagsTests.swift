import PostgresNIO
import PushBridgeCore
import Testing

@testable import PushBridgePostgres

/// Bus settings, rule role ARNs and tags are shared through PostgreSQL: another node reads them (at start and
/// when it reloads the configuration), and a database of schema version 2 upgrades in place.
@Suite("PostgreSQL settings and tags", .serialized, .enabled(if: TestPostgres.isAvailable, Comment(rawValue: TestPostgres.skipMessage)))
struct PostgresSettingsAndTagsTests {
    let logger = TestPostgres.logger

    static let bus = StoredBus(
        name: "orders",
        arn: "arn:aws:events:us-east-1:000000000000:event-bus/orders",
        description: "Orders",
        createdAt: Timestamp(milliseconds: 1_700_000_000_000),
        modifiedAt: Timestamp(milliseconds: 1_700_000_000_500),
        settings: BusSettings(
            kmsKeyIdentifier: "alias/orders",
            deadLetterArn: "arn:aws:sqs:us-east-1:000000000000:orders-dlq",
            logConfig: BusSettings.LogConfig(includeDetail: "NONE", level: "INFO")
        ),
        tags: [ResourceTag(key: "team", value: "shop"), ResourceTag(key: "quote'\"", value: "")]
    )

    static let rule = StoredRule(
        busName: "orders",
        name: "Shipped",
        arn: "arn:aws:events:us-east-1:000000000000:rule/orders/Shipped",
        eventPattern: #"{"source":["shop"]}"#,
        state: "ENABLED",
        description: "d",
        roleArn: "arn:aws:iam::000000000000:role/events",
        tags: [ResourceTag(key: "owner", value: "ops")]
    )

    /// Leases as short as the other suites', but time to answer when the whole test run loads the machine: these
    /// tests are about what is stored, not about timeouts.
    func open(_ url: PostgresURL, node: String) async throws -> PostgresEventStore {
        var settings = TestPostgres.fastSettings
        settings.commitTimeout = .seconds(30)
        return try await PostgresEventStore.open(url: url, node: NodeIdentity(id: node), settings: settings, logger: logger)
    }

    @Test("What one node writes, a node that opens later recovers, and a reload sees each update")
    func shared() async throws {
        try await TestPostgres.withDatabase { url in
            let a = try await open(url, node: "node-a")
            try await a.commit([.putBus(Self.bus), .putRule(Self.rule)])
            let b = try await open(url, node: "node-b")
            let state = try b.recover()
            #expect(state.buses == [Self.bus])
            #expect(state.rules == [Self.rule])

            var bus = Self.bus
            bus.tags = [ResourceTag(key: "team", value: "billing")]
            bus.settings = BusSettings()
            var rule = Self.rule
            rule.roleArn = nil
            rule.tags = []
            try await a.commit([.putBus(bus), .putRule(rule)])
            let reloaded = try await b.reader.readConfiguration(b.client)
            #expect(reloaded.buses == [bus])
            #expect(reloaded.rules == [rule])
            await a.shutdown()
            await b.shutdown()
        }
    }

    @Test("A database of schema version 2 upgrades: its rows come back without settings and can take them")
    func upgradeFromVersion2() async throws {
        try await TestPostgres.withDatabase { url in
            let applied = try await TestPostgres.withClient(url) { client in
                let applied = try await SchemaMigrator.migrate(
                    client,
                    migrations: Array(PostgresSchema.migrations.prefix(2)),
                    logger: TestPostgres.logger
                )
                try await client.query(
                    "INSERT INTO buses (name, arn, description, created_at) VALUES ('orders', 'arn:b', NULL, 1000)",
                    logger: TestPostgres.logger
                ).drain()
                try await client.query(
                    "INSERT INTO rules (bus, name, arn, pattern, state, description) VALUES ('orders', 'r', 'arn:r', NULL, 'ENABLED', NULL)",
                    logger: TestPostgres.logger
                ).drain()
                return applied
            }
            #expect(applied == [1, 2])
            let store = try await open(url, node: "node-a")
            let state = try store.recover()
            #expect(state.buses == [StoredBus(name: "orders", arn: "arn:b", description: nil, createdAt: Timestamp(milliseconds: 1000))])
            #expect(state.rules == [StoredRule(busName: "orders", name: "r", arn: "arn:r", eventPattern: nil, state: "ENABLED", description: nil)])
            var bus = state.buses[0]
            bus.tags = [ResourceTag(key: "k", value: "v")]
            bus.settings.deadLetterArn = "arn:aws:sqs:us-east-1:000000000000:q"
            try await store.commit([.putBus(bus)])
            #expect(try await store.reader.readConfiguration(store.client).buses == [bus])
            await store.shutdown()
        }
    }
}
