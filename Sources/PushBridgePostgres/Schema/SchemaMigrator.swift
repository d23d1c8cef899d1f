import Logging
import PostgresNIO
import PushBridgeCore

/// Brings a database to this build's schema at start. Nodes that start together take turns under an advisory
/// lock held for the transaction, so each migration runs once; DDL is transactional in PostgreSQL, so a migration
/// that fails leaves nothing half made.
enum SchemaMigrator {
    /// Returns the versions it applied (empty when the schema was current).
    static func migrate(_ client: PostgresClient, migrations: [Migration] = PostgresSchema.migrations, logger: Logger) async throws -> [Int] {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLockKey))", logger: logger).drain()
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS pushbridge_schema (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                logger: logger
            ).drain()
            var applied: [Int] = []
            for try await version in try await connection.query("SELECT version FROM pushbridge_schema", logger: logger).decode(Int32.self) {
                applied.append(Int(version))
            }
            switch MigrationPlan.plan(migrations, applied: applied) {
            case .databaseIsNewer(let version, let known):
                throw EventStoreError(
                    .unreadable,
                    reason: "the database's schema is version \(version), newer than this build knows (\(known)): upgrade this node"
                )
            case .inconsistent(let applied):
                throw EventStoreError(.unreadable, reason: "pushbridge_schema lists versions \(applied), which have gaps: it was edited by hand")
            case .apply(let pending):
                for migration in pending {
                    for statement in migration.statements { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).drain() }
                    try await connection.query(
                        "INSERT INTO pushbridge_schema (version, name) VALUES (\(Int32(migration.version)), \(migration.name))",
                        logger: logger
                    ).drain()
                    logger.info(
                        "Applied a schema migration",
                        metadata: ["pb.schema.version": "\(migration.version)", "pb.schema.name": "\(migration.name)"]
                    )
                }
                return pending.map(\.version)
            }
        }
    }
}
