import Testing

@testable import PushBridgePostgres

@Suite("Schema migrations")
struct MigrationTests {
    let migrations = [
        Migration(version: 1, name: "one", sql: "CREATE TABLE a (x int);"),
        Migration(version: 2, name: "two", sql: "CREATE TABLE b (x int);"),
        Migration(version: 3, name: "three", sql: "CREATE TABLE c (x int);"),
    ]

    @Test("The shipped migrations are numbered 1, 2, 3… in order")
    func shippedOrder() {
        #expect(MigrationPlan.isWellOrdered(PostgresSchema.migrations))
        #expect(!MigrationPlan.isWellOrdered([migrations[1], migrations[0]]))
    }

    @Test("A new database gets every migration, in order; a current one gets none; a partial one the rest")
    func plans() {
        #expect(MigrationPlan.plan(migrations, applied: []) == .apply(migrations))
        #expect(MigrationPlan.plan(migrations, applied: [2, 1]) == .apply([migrations[2]]))
        #expect(MigrationPlan.plan(migrations, applied: [1, 2, 3]) == .apply([]))
    }

    @Test("A database a newer build migrated, or one with gaps, is refused")
    func refusals() {
        #expect(MigrationPlan.plan(migrations, applied: [1, 2, 3, 4]) == .databaseIsNewer(version: 4, known: 3))
        #expect(MigrationPlan.plan(migrations, applied: [1, 3]) == .inconsistent(applied: [1, 3]))
        #expect(MigrationPlan.plan(migrations, applied: [2]) == .inconsistent(applied: [2]))
    }

    @Test("Statements are split at line-ending semicolons; comment lines are dropped")
    func statements() {
        let migration = Migration(
            version: 1,
            name: "x",
            sql: """
                -- a comment; with a semicolon
                CREATE TABLE a (
                    x int -- trailing
                );
                INSERT INTO a VALUES (1);
                """
        )
        #expect(migration.statements == ["CREATE TABLE a (\n    x int -- trailing\n)", "INSERT INTO a VALUES (1)"])
        #expect(PostgresSchema.migrations[0].statements.count == 10)
    }
}
