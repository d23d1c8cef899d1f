/// One step of the schema. A release adds migrations at the end and never edits one that shipped: nodes of
/// different versions may share a database during a rolling deploy.
struct Migration: Sendable, Equatable {
    /// 1, 2, 3…: the order they are applied in.
    var version: Int
    var name: String
    var sql: String

    /// The statements of ``sql`` one by one (the extended protocol takes one per query): split at each `;` that
    /// ends a line, comment lines dropped.
    var statements: [String] {
        var statements: [String] = []
        var current = ""
        for line in sql.split(separator: "\n", omittingEmptySubsequences: true) {
            let trimmed = line.drop { $0 == " " }
            if trimmed.hasPrefix("--") { continue }
            current += (current.isEmpty ? "" : "\n") + line
            if trimmed.hasSuffix(";") {
                statements.append(String(current.dropLast()))
                current = ""
            }
        }
        if !current.allSatisfy({ $0 == " " || $0 == "\n" }) { statements.append(current) }
        return statements
    }
}

/// What to apply, given the versions a database already has: a pure decision, tested without PostgreSQL.
enum MigrationPlan: Equatable {
    /// The migrations to run, in order (empty: the schema is current).
    case apply([Migration])
    /// The database has a version this build does not know: a newer node migrated it. Starting would write rows
    /// in a shape the newer nodes do not expect.
    case databaseIsNewer(version: Int, known: Int)
    /// The recorded versions have a hole (1, 3): someone edited the table by hand.
    case inconsistent(applied: [Int])

    /// - Parameters:
    ///   - migrations: this build's migrations; their versions must be 1…n in order (checked by a test).
    ///   - applied: the versions recorded in the database, in any order.
    static func plan(_ migrations: [Migration], applied: [Int]) -> MigrationPlan {
        let sorted = applied.sorted()
        guard sorted.enumerated().allSatisfy({ $0.offset + 1 == $0.element }) else { return .inconsistent(applied: sorted) }
        let known = migrations.last?.version ?? 0
        if let newest = sorted.last, newest > known { return .databaseIsNewer(version: newest, known: known) }
        return .apply(migrations.filter { $0.version > (sorted.last ?? 0) })
    }

    /// Whether versions run 1, 2, 3… without gaps or repeats.
    static func isWellOrdered(_ migrations: [Migration]) -> Bool {
        migrations.enumerated().allSatisfy { $0.offset + 1 == $0.element.version }
    }
}
