import PushBridgeCore
import Synchronization

/// A durable ``EventStore`` that keeps nothing but a log: every submitted change in order, for tests of what the
/// working state reports. It can fail the next submissions, hold completions until ``release()`` (to see who
/// waits for a commit), and hands out a chosen ``RecoveredState``.
///
/// Completions run on the caller's thread, outside the store's lock: at once when not holding, in
/// ``release()`` otherwise. Callers submit under their own locks, so the store never calls back into them there.
final class RecordingEventStore: EventStore {
    typealias Completion = @Sendable (Result<Void, EventStoreError>) -> Void

    private struct State {
        var changes: [StoreChange] = []
        var submissions = 0
        var failuresLeft = 0
        var holding = false
        var held: [(completion: Completion, result: Result<Void, EventStoreError>)] = []
        var recovered: RecoveredState
        var closed = false
    }

    /// What a failing submission completes with.
    static let diskFull = EventStoreError(.writeFailed, reason: "disk full")

    private let state: Mutex<State>

    init(recovered: RecoveredState = .empty) {
        self.state = Mutex(State(recovered: recovered))
    }

    var isDurable: Bool { true }

    func recover() throws(EventStoreError) -> RecoveredState { state.withLock { $0.recovered } }

    func submit(_ changes: [StoreChange], completion: Completion?) {
        let result: Result<Void, EventStoreError>? = state.withLock { state in
            state.changes += changes
            state.submissions += 1
            var result: Result<Void, EventStoreError> = .success(())
            if state.failuresLeft > 0 {
                state.failuresLeft -= 1
                result = .failure(Self.diskFull)
            }
            guard let completion else { return nil }
            if state.holding {
                state.held.append((completion, result))
                return nil
            }
            return result
        }
        if let completion, let result { completion(result) }
    }

    func close() { state.withLock { $0.closed = true } }

    // MARK: Steering

    /// Fails the next `count` submissions (their changes are still logged, as submitted).
    func failNext(_ count: Int = 1) { state.withLock { $0.failuresLeft = count } }

    /// Keeps completions until ``release()``, as a commit that has not happened yet.
    func holdCompletions() { state.withLock { $0.holding = true } }

    /// Runs the held completions in submission order and stops holding.
    func release() {
        let held = state.withLock { state in
            state.holding = false
            defer { state.held = [] }
            return state.held
        }
        for (completion, result) in held { completion(result) }
    }

    func setRecovered(_ recovered: RecoveredState) { state.withLock { $0.recovered = recovered } }

    // MARK: Reading the log

    /// Every change submitted so far, in order.
    var changes: [StoreChange] { state.withLock { $0.changes } }

    /// How many times ``submit(_:completion:)`` was called.
    var submissionCount: Int { state.withLock { $0.submissions } }

    /// Completions waiting for ``release()``.
    var heldCount: Int { state.withLock { $0.held.count } }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// Forgets what was logged (set-up steps), keeping the steering.
    func clearChanges() {
        state.withLock { state in
            state.changes = []
            state.submissions = 0
        }
    }
}
