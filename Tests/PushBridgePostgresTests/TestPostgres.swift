import Foundation
import Logging
import PostgresNIO
import PushBridgeCore
import Testing

@testable import PushBridgePostgres

/// The throwaway PostgreSQL `Scripts/postgres start` runs (`Scripts/test` starts one and sets the variable).
/// Without it the suites that need it are skipped with one line that says how to run them.
enum TestPostgres {
    static let environmentKey = "PUSHBRIDGE_TEST_POSTGRES_URL"

    static var url: PostgresURL? {
        ProcessInfo.processInfo.environment[environmentKey].flatMap { try? PostgresURL(parsing: $0) }
    }

    static var isAvailable: Bool { url != nil }

    static var skipMessage: String {
        "\(environmentKey) is not set (eval \"$(Scripts/postgres start)\" starts a throwaway PostgreSQL and prints it); skipped"
    }

    static let logger = Logger(label: "PushBridgePostgresTests") { _ in SwiftLogNoOpLogHandler() }

    /// Fast leases and checks, so tests of expiry take a second, not ten. A commit may take long: while the whole
    /// suite runs, two cores serve hundreds of tests and PostgreSQL at once (3 s was too short there); the outage
    /// test sets its own short timeout.
    static var fastSettings: ClusterSettings {
        var settings = ClusterSettings()
        settings.leaseDuration = .seconds(1)
        settings.heartbeatInterval = .milliseconds(200)
        settings.claimInterval = .milliseconds(200)
        settings.commitTimeout = .seconds(30)
        return settings
    }

    /// Runs `body` with the URL of a database of its own, created for it and dropped afterwards.
    static func withDatabase<T>(_ body: (PostgresURL) async throws -> T) async throws -> T {
        guard let base = url else { throw TestSkipped() }
        let name = "pb_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        try await administer(base, "CREATE DATABASE \(name)")
        var url = base
        url.database = String(name)
        url.tlsMode = .disable
        do {
            let result = try await body(url)
            try? await administer(base, "DROP DATABASE \(name) WITH (FORCE)")
            return result
        } catch {
            try? await administer(base, "DROP DATABASE \(name) WITH (FORCE)")
            throw error
        }
    }

    /// Runs one statement on a client of its own (CREATE DATABASE cannot run in a transaction).
    static func administer(_ url: PostgresURL, _ sql: String) async throws {
        var url = url
        url.tlsMode = .disable
        try await withClient(url) { client in
            try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger).drain()
        }
    }

    static func withClient<T: Sendable>(_ url: PostgresURL, _ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        let client = PostgresClient(configuration: PostgresEventStore.clientConfiguration(url, settings: fastSettings), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    struct TestSkipped: Error {}
}
