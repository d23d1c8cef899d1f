import PostgresNIO
import Synchronization

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

/// Runs `operation`, failing with ``CommitTimeout`` after `timeout`. The operation is cancelled then, and not
/// waited for: a query stuck on a connection PostgreSQL dropped without a word may not answer its cancellation
/// for minutes, and the caller (the group-commit writer, a heartbeat) must go on.
func withTimeout<T: Sendable>(_ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let race = TimeoutRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            guard race.start(continuation) else { return }
            let work = Task {
                let result: Result<T, any Error>
                do { result = .success(try await operation()) } catch { result = .failure(error) }
                race.finish(result)
            }
            let timer = Task {
                try? await Task.sleep(for: timeout)
                race.finish(.failure(CommitTimeout()))
            }
            race.track(work: work, timer: timer)
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// The first of the operation, its timer and cancellation resumes the caller; the others are cancelled.
private final class TimeoutRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var finished = false
        var work: Task<Void, Never>?
        var timer: Task<Void, Never>?
    }

    private let state = Mutex(State())

    /// false when cancellation came first (the continuation is resumed here then).
    func start(_ continuation: CheckedContinuation<T, any Error>) -> Bool {
        let finished = state.withLock { state in
            if !state.finished { state.continuation = continuation }
            return state.finished
        }
        if finished { continuation.resume(throwing: CancellationError()) }
        return !finished
    }

    func track(work: Task<Void, Never>, timer: Task<Void, Never>) {
        let finished = state.withLock { state in
            state.work = work
            state.timer = timer
            return state.finished
        }
        if finished {
            work.cancel()
            timer.cancel()
        }
    }

    func finish(_ result: Result<T, any Error>) {
        let taken = state.withLock { state -> (CheckedContinuation<T, any Error>?, Task<Void, Never>?, Task<Void, Never>?)? in
            guard !state.finished else { return nil }
            state.finished = true
            defer { state.continuation = nil }
            return (state.continuation, state.work, state.timer)
        }
        guard let (continuation, work, timer) = taken else { return }
        work?.cancel()
        timer?.cancel()
        continuation?.resume(with: result)
    }
}
