extension SQLiteEventStore {
    /// How hard a commit waits for the disk (SQLite's `PRAGMA synchronous`, in WAL mode).
    public enum Synchronous: String, Sendable, CaseIterable {
        /// A commit survives a killed process; the last commits before a power loss may be lost. No fsync per
        /// commit, only at checkpoints.
        case normal
        /// A commit survives a power loss too, at the price of an fsync per transaction.
        case full

        /// The pragma's keyword.
        var pragmaValue: String {
            switch self {
            case .normal: "NORMAL"
            case .full: "FULL"
            }
        }
    }
}
