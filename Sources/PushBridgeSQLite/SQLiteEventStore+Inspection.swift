import GRDB
import PushBridgeCore

/// What tests (and a debugger) look at beyond the protocol: row counts, and a page limit to change while open.
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
}
