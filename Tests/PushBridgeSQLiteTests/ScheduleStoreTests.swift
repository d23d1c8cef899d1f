import Foundation
import GRDB
import PushBridgeCore
import Testing

@testable import PushBridgeSQLite

/// A rule's schedule survives a restart, and a data directory of schema v2 upgrades in place.
@Suite("SQLiteEventStore scheduled rules")
struct ScheduleStoreTests {
    static let rule = StoredRule(
        busName: "default",
        name: "tick",
        arn: "arn:aws:events:us-east-1:000000000000:rule/tick",
        eventPattern: nil,
        scheduleExpression: "rate(5 minutes)",
        state: "ENABLED",
        description: nil
    )

    @Test("The schedule is read back after a restart, and cleared by a PutRule without one")
    func roundTrip() async throws {
        try await withTemporaryDirectory { directory in
            let store = try openStore(directory)
            try await store.commit([.putRule(Self.rule)])
            store.close()
            #expect(try recoverAfterRestart(directory).rules == [Self.rule])
            var rule = Self.rule
            rule.scheduleExpression = nil
            rule.eventPattern = #"{"source":["x"]}"#
            let reopened = try openStore(directory)
            try await reopened.commit([.putRule(rule)])
            reopened.close()
            #expect(try recoverAfterRestart(directory).rules == [rule])
        }
    }

    @Test("A database of schema v2 upgrades: its rules come back without a schedule and can take one")
    func upgradeFromV2() async throws {
        try await withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let path = directory + "/" + SQLiteEventStore.databaseFileName
            do {
                let old = try DatabaseQueue(path: path)
                try StoreSchema.migrator.migrate(old, upTo: "v2-bus-and-rule-settings")
                try await old.write { db in
                    try db.execute(
                        sql:
                            "INSERT INTO rules (bus, name, arn, pattern, state, description) VALUES ('default', 'tick', 'arn:r', '{}', 'ENABLED', NULL)"
                    )
                }
                let columns = try await old.read { try $0.columns(in: "rules").map(\.name) }
                #expect(!columns.contains("schedule_expression"))
                try old.close()
            }
            var rule = try #require(try recoverAfterRestart(directory).rules.first)
            #expect(rule.scheduleExpression == nil)
            rule.scheduleExpression = "cron(0 12 * * ? *)"
            let store = try openStore(directory)
            try await store.commit([.putRule(rule)])
            store.close()
            #expect(try recoverAfterRestart(directory).rules == [rule])
        }
    }
}
