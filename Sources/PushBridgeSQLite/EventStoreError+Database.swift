import GRDB
import PushBridgeCore

extension EventStoreError {
    /// `error` as the store reports it: SQLite's own message when SQLite failed ("database or disk is full"),
    /// without GRDB's SQL and arguments (the arguments hold event text).
    init(_ kind: Kind, path: String, error: any Error) {
        switch error {
        case let error as EventStoreError:
            self.init(kind, path: error.path ?? path, reason: error.reason)
        case let error as DatabaseError:
            // Only a file that is not a database, or a corrupt one, is unreadable (moving it aside is the advice);
            // a read-only, full or unwritable place is the directory's problem, not the file's.
            let placeFaults: [ResultCode] = [.SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_PERM, .SQLITE_AUTH]
            let actualKind = kind == .unreadable && placeFaults.contains(error.resultCode) ? .inaccessible : kind
            self.init(actualKind, path: path, reason: error.message ?? "SQLite error \(error.extendedResultCode.rawValue)")
        default:
            self.init(kind, path: path, reason: String(describing: error))
        }
    }
}
