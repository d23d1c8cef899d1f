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
            self.init(kind, path: path, reason: error.message ?? "SQLite error \(error.extendedResultCode.rawValue)")
        default:
            self.init(kind, path: path, reason: String(describing: error))
        }
    }
}
