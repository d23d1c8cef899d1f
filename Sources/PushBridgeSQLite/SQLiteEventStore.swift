import GRDB
import Logging
import PushBridgeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The durable ``EventStore`` of one node: a SQLite database in WAL mode in a data directory that one server at a
/// time may use (an exclusive `flock` on `pushbridge.lock`).
///
/// Writes go through one writer thread that commits everything pending as one transaction (group commit). Reads
/// happen once, in ``recover()``, before the server takes requests.
public final class SQLiteEventStore: EventStore {
    public static let databaseFileName = "pushbridge.sqlite"

    /// The data directory.
    public let directory: String
    /// The database file (with `-wal` and `-shm` beside it).
    public let path: String
    let database: DatabaseQueue
    private let writer: GroupCommitWriter

    /// Opens (or creates) the store in `directory`, creating the directory if needed.
    ///
    /// - Parameters:
    ///   - synchronous: What a commit survives; see ``Synchronous``.
    ///   - maximumPageCount: SQLite's `max_page_count` (pages of 4 KiB): commits past it fail as on a full disk.
    /// - Throws: ``EventStoreError/Kind/locked`` when another server uses the directory,
    ///   ``EventStoreError/Kind/unreadable`` when the database cannot be opened, read or migrated.
    public convenience init(
        directory: String,
        synchronous: Synchronous = .normal,
        maximumPageCount: Int? = nil,
        logger: Logger
    ) throws(EventStoreError) {
        try self.init(
            directory: directory,
            synchronous: synchronous,
            maximumPageCount: maximumPageCount,
            retryBacklogLimit: 100_000,
            logger: logger
        )
    }

    /// `retryBacklogLimit`: changes without a completion kept for retry while commits fail (tests lower it).
    init(directory: String, synchronous: Synchronous, maximumPageCount: Int?, retryBacklogLimit: Int, logger: Logger) throws(EventStoreError) {
        // The lock is released by its deinit if anything below throws.
        let lock = try DataDirectoryLock(directory: directory)
        let path = directory + "/" + Self.databaseFileName
        let database = try StoreDatabase.open(path: path, synchronous: synchronous, maximumPageCount: maximumPageCount)
        self.directory = directory
        self.path = path
        self.database = database
        self.writer = GroupCommitWriter(
            database: database,
            directoryLock: lock,
            path: path,
            retryBacklogLimit: retryBacklogLimit,
            logger: logger
        )
        writer.start()
    }

    deinit { writer.close() }

    public var isDurable: Bool { true }

    public func recover() throws(EventStoreError) -> RecoveredState {
        guard !writer.isClosed else { throw EventStoreError(.closed, path: path, reason: "the store is closed") }
        do {
            return try database.read(StoreRecovery.read)
        } catch {
            throw EventStoreError(.unreadable, path: path, error: error)
        }
    }

    public func submit(_ changes: [StoreChange], completion: (@Sendable (Result<Void, EventStoreError>) -> Void)?) {
        writer.submit(changes, completion: completion)
    }

    public func close() { writer.close() }

    /// Transactions committed since the store opened (a measure of group commit, for tests and benchmarks).
    public var transactionCount: Int { writer.transactionCount }

    /// Transactions that failed since the store opened.
    var failedTransactionCount: Int { writer.failedTransactionCount }

    /// The size on disk of the database file and its write-ahead log.
    public var fileBytes: Int { Self.size(of: path) + Self.size(of: path + "-wal") }

    private static func size(of path: String) -> Int {
        var status = stat()
        guard stat(path, &status) == 0 else { return 0 }
        return Int(status.st_size)
    }
}
