import PostgresNIO

/// What an operator needs to know about a PostgreSQL error: its kind, and the server's SQLSTATE and message or the
/// network's reason. postgres-nio's own description is generic on purpose (a query's binds may hold event data);
/// this holds no bind and no password either.
enum PostgresFailure {
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else {
            if error is CommitTimeout { return "no answer from PostgreSQL in time" }
            return String(describing: error)
        }
        if let info = error.serverInfo {
            let state = info[.sqlState] ?? "?"
            return "PostgreSQL error \(state): \(info[.message] ?? "no message")"
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }
}

/// A transaction or query that took longer than allowed (PostgreSQL unreachable or stuck).
struct CommitTimeout: Error {}

/// Runs `operation`, failing with ``CommitTimeout`` after `timeout` (the operation is cancelled).
func withTimeout<T: Sendable>(_ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw CommitTimeout()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw CommitTimeout() }
        return first
    }
}
