import GRDB
import PushBridgeCore

/// What tests (and a debugger) use beyond the protocol: row counts, a page limit to change while open, and raw SQL
/// to plant what the writer would never write.
extension SQLiteEventStore {
    /// Rows in one of the store's tables (`events`, `messages`, …).
    func rowCount(of table: String) throws(EventStoreError) -> Int {
        do {
            return try database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table.quotedDatabaseIdentifier)") ?? 0 }
        } catch {
            throw EventStoreError(.unreadable, path: path, error: error)
        }
    }

    /// Sets `max_page_count` (a full disk made, or cleared, while the store runs).
    func setMaximumPageCount(_ pages: Int) throws(EventStoreError) {
        do {
            try database.writeWithoutTransaction { db in _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(pages)") }
        } catch {
            throw EventStoreError(.writeFailed, path: path, error: error)
        }
    }

    /// Runs `sql` outside the writer, with `text` bound to its one parameter (if any).
    func execute(sql: String, text: String? = nil) throws(EventStoreError) {
        do {
            try database.write { db in try db.execute(sql: sql, arguments: text.map { [$0] } ?? []) }
        } catch {
            throw EventStoreError(.writeFailed, path: path, error: error)
        }
    }
}
