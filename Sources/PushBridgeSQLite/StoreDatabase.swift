import GRDB
import PushBridgeCore

/// Opens the database file with the store's settings and brings its schema up to date.
enum StoreDatabase {
    static func open(path: String, synchronous: SQLiteEventStore.Synchronous, maximumPageCount: Int?) throws(EventStoreError) -> DatabaseQueue {
        var configuration = Configuration()
        configuration.label = "PushBridgeSQLite"
        // The directory lock keeps other servers out; a busy database means an outside tool (the sqlite3 shell
        // inspecting it), and waiting for it beats failing a commit.
        configuration.busyMode = .timeout(5)
        let database: DatabaseQueue
        do {
            // GRDB reads the schema as it opens: garbage or a corrupt header fails here, as a thrown error.
            database = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw EventStoreError(.unreadable, path: path, error: error)
        }
        do {
            try database.writeWithoutTransaction { db in
                // Set by hand rather than through `Configuration.journalMode`, which forces synchronous NORMAL.
                let journalMode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
                guard journalMode?.lowercased() == "wal" else {
                    throw EventStoreError(.unreadable, path: path, reason: "cannot use WAL mode (journal mode is \(journalMode ?? "unknown"))")
                }
                try db.execute(sql: "PRAGMA synchronous = \(synchronous.pragmaValue)")
                // Keeps the -wal file from staying at its high-water mark after a burst.
                try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
                // Recovery reads the whole file once: through a memory map, not a read call per page (a third of
                // its time went to the kernel), and with a cache that holds the hot pages of a large queue.
                try db.execute(sql: "PRAGMA mmap_size = 1073741824")
                try db.execute(sql: "PRAGMA cache_size = -65536")
                if let maximumPageCount { _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(maximumPageCount)") }
            }
            let migrator = StoreSchema.migrator
            if try database.read(migrator.hasBeenSuperseded) {
                throw EventStoreError(.unreadable, path: path, reason: "the database was written by a newer PushBridge (unknown schema version)")
            }
            try migrator.migrate(database)
        } catch {
            try? database.close()
            throw EventStoreError(.unreadable, path: path, error: error)
        }
        return database
    }
}
