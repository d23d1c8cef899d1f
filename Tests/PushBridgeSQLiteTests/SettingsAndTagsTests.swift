import Foundation
import GRDB
import PushBridgeCore
import Testing

@testable import PushBridgeSQLite

/// Bus settings, rule role ARNs and tags survive close and reopen; a data directory of the first schema version
/// upgrades in place and keeps its buses and rules.
@Suite("SQLiteEventStore settings and tags")
struct SettingsAndTagsTests {
    static let bus = StoredBus(
        name: "orders",
        arn: "arn:aws:events:us-east-1:000000000000:event-bus/orders",
        description: "Orders",
        createdAt: t0,
        modifiedAt: Timestamp(milliseconds: t0.milliseconds + 5),
        settings: BusSettings(
            kmsKeyIdentifier: "alias/orders",
            deadLetterArn: "arn:aws:sqs:us-east-1:000000000000:orders-dlq",
            logConfig: BusSettings.LogConfig(includeDetail: "FULL", level: "TRACE")
        ),
        tags: [ResourceTag(key: "team", value: "shop"), ResourceTag(key: "env", value: ""), ResourceTag(key: "\"odd\" ü", value: "[{}]")]
    )

    static let rule = StoredRule(
        busName: "orders",
        name: "Shipped",
        arn: "arn:aws:events:us-east-1:000000000000:rule/orders/Shipped",
        eventPattern: #"{"source":["shop"]}"#,
        state: "ENABLED",
        description: nil,
        roleArn: "arn:aws:iam::000000000000:role/events",
        tags: [ResourceTag(key: "owner", value: "ops")]
    )

    @Test("Settings, role ARN and tags are read back after a restart, updates in place")
    func roundTrip() async throws {
        try await withTemporaryDirectory { directory in
            let store = try openStore(directory)
            var logOnly = StoredBus(name: "logs", arn: "arn:logs", description: nil, createdAt: t0)
            logOnly.settings.logConfig = BusSettings.LogConfig(includeDetail: nil, level: "ERROR")
            try await store.commit([.putBus(Self.bus), .putBus(logOnly), .putRule(Self.rule)])
            store.close()
            var recovered = try recoverAfterRestart(directory)
            #expect(recovered.buses == [Self.bus, logOnly])
            #expect(recovered.rules == [Self.rule])

            // Untagged and settings cleared: the columns go back to none, not to what they were.
            var bus = Self.bus
            bus.tags = []
            bus.settings = BusSettings()
            var rule = Self.rule
            rule.roleArn = nil
            rule.tags.append(ResourceTag(key: "cost", value: "7"))
            let reopened = try openStore(directory)
            try await reopened.commit([.putBus(bus), .putRule(rule)])
            reopened.close()
            recovered = try recoverAfterRestart(directory)
            #expect(recovered.buses == [bus, logOnly])
            #expect(recovered.rules == [rule])
        }
    }

    @Test("A database of schema v1 upgrades: its rows come back without settings and can take them")
    func upgradeFromV1() async throws {
        try await withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let path = directory + "/" + SQLiteEventStore.databaseFileName
            do {
                let old = try DatabaseQueue(path: path)
                try StoreSchema.migrator.migrate(old, upTo: "v1")
                try await old.write { db in
                    try db.execute(sql: "INSERT INTO buses (name, arn, description, created_at) VALUES ('orders', 'arn:b', 'Orders', 1000)")
                    try db.execute(
                        sql: "INSERT INTO rules (bus, name, arn, pattern, state, description) VALUES ('orders', 'r', 'arn:r', NULL, 'DISABLED', NULL)"
                    )
                }
                let columns = try await old.read { try $0.columns(in: "buses").map(\.name) }
                #expect(!columns.contains("tags"))
                try old.close()
            }
            let recovered = try recoverAfterRestart(directory)
            #expect(recovered.buses == [StoredBus(name: "orders", arn: "arn:b", description: "Orders", createdAt: Timestamp(milliseconds: 1000))])
            #expect(
                recovered.rules == [StoredRule(busName: "orders", name: "r", arn: "arn:r", eventPattern: nil, state: "DISABLED", description: nil)]
            )

            var bus = recovered.buses[0]
            bus.tags = [ResourceTag(key: "k", value: "v")]
            bus.settings.kmsKeyIdentifier = "key-1"
            let store = try openStore(directory)
            try await store.commit([.putBus(bus)])
            store.close()
            #expect(try recoverAfterRestart(directory).buses == [bus])
        }
    }

    @Test("Tags that are not what the store writes make recovery fail, naming the resource")
    func damagedTags() async throws {
        try await withTemporaryDirectory { directory in
            let store = try openStore(directory)
            try await store.commit([.putRule(Self.rule)])
            store.close()
            let database = try DatabaseQueue(path: directory + "/" + SQLiteEventStore.databaseFileName)
            try await database.write { try $0.execute(sql: "UPDATE rules SET tags = '{\"Key\":1}'") }
            try database.close()
            #expect {
                _ = try recoverAfterRestart(directory)
            } throws: { error in
                "\(error)".contains("rule orders/Shipped")
            }
        }
    }
}
