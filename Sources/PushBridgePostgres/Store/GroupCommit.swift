import Logging
import PostgresNIO
import PushBridgeCore
import Synchronization

/// The store's one writer task. Submitting only appends to a list (callers are NIO event loops); the task takes
/// everything pending and commits it in one transaction, so submissions that arrive while a transaction runs share
/// the next one (group commit), as in the SQLite journal.
///
/// A transaction that fails or gets no answer within ``commitTimeout`` (PostgreSQL down, the network cut) fails
/// every submission in it that has a completion: its caller answers with an error, nothing of it is queued. What
/// such a submission accepted is then deleted again by a compensating change, retried until it lands, because a
/// transaction that timed out may still have committed: the row must not stay behind, owned by a live node that
/// never queued it. Submissions without a completion (delivery bookkeeping that nobody awaits) are retried first
/// with the next transaction, after a growing pause.
final class GroupCommit: Sendable {
    typealias Completion = @Sendable (Result<Void, EventStoreError>) -> Void

    struct Submission: Sendable {
        var changes: [StoreChange]
        var completion: Completion?
    }

    private struct State {
        var pending: [Submission] = []
        var retry: [Submission] = []
        var retryNotBefore: ContinuousClock.Instant?
        var waiter: (id: Int, continuation: CheckedContinuation<Void, Never>)?
        var nextWaiterId = 0
        var stopping = false
        var transactionCount = 0
        var failedTransactionCount = 0
        /// Configuration changes submitted and not yet committed: a reload must not apply an older snapshot over them.
        var uncommittedConfigurationChanges = 0
        /// The newest configuration version this node committed.
        var committedConfigurationVersion: Int64 = 0
    }

    let client: PostgresClient
    let writer: ChangeWriter
    let commitTimeout: Duration
    let retryBacklogLimit: Int
    private let logger: Logger
    private let state = Mutex(State())

    init(client: PostgresClient, writer: ChangeWriter, commitTimeout: Duration, retryBacklogLimit: Int, logger: Logger) {
        self.client = client
        self.writer = writer
        self.commitTimeout = commitTimeout
        self.retryBacklogLimit = retryBacklogLimit
        self.logger = logger
    }

    var transactionCount: Int { state.withLock { $0.transactionCount } }
    var failedTransactionCount: Int { state.withLock { $0.failedTransactionCount } }

    /// Whether a configuration snapshot read at `version` may replace what this node holds in memory: not while
    /// its own configuration changes are uncommitted, nor when it is older than what this node committed.
    func mayApplyConfiguration(version: Int64) -> Bool {
        state.withLock { $0.uncommittedConfigurationChanges == 0 && version >= $0.committedConfigurationVersion }
    }

    func submit(_ changes: [StoreChange], completion: Completion?) {
        let configurationChanges = changes.count(where: \.isConfiguration)
        let outcome: (accepted: Bool, waiter: CheckedContinuation<Void, Never>?) = state.withLock { state in
            guard !state.stopping else { return (false, nil) }
            state.pending.append(Submission(changes: changes, completion: completion))
            state.uncommittedConfigurationChanges += configurationChanges
            let waiter = state.waiter?.continuation
            state.waiter = nil
            return (true, waiter)
        }
        guard outcome.accepted else {
            completion?(.failure(EventStoreError(.closed, reason: "the store is closed")))
            return
        }
        outcome.waiter?.resume()
    }

    /// Stops taking submissions; the task commits what is pending (one attempt) and returns.
    func stop() {
        let waiter = state.withLock { state in
            state.stopping = true
            defer { state.waiter = nil }
            return state.waiter?.continuation
        }
        waiter?.resume()
    }

    /// The writer loop; returns once stopped and drained.
    func run() async {
        var failureStreak = 0
        while true {
            switch nextStep() {
            case .commit(let batch): await commit(batch, failureStreak: &failureStreak)
            case .wait(let deadline): await wait(until: deadline)
            case .exit: return
            }
        }
    }

    private enum Step {
        case commit([Submission])
        case wait(until: ContinuousClock.Instant?)
        case exit
    }

    private func nextStep() -> Step {
        state.withLock { state in
            let now = ContinuousClock.now
            let retryDue = !state.retry.isEmpty && (state.stopping || state.retryNotBefore.map { now >= $0 } ?? true)
            if !state.pending.isEmpty || retryDue {
                let batch = state.retry + state.pending
                state.retry = []
                state.pending = []
                return .commit(batch)
            }
            if state.stopping { return .exit }
            return .wait(until: state.retry.isEmpty ? nil : state.retryNotBefore)
        }
    }

    private func wait(until deadline: ContinuousClock.Instant?) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let id: Int? = state.withLock { state in
                guard state.pending.isEmpty, !state.stopping else { return nil }
                state.nextWaiterId += 1
                state.waiter = (state.nextWaiterId, continuation)
                return state.nextWaiterId
            }
            guard let id else { return continuation.resume() }
            if let deadline {
                Task {
                    try? await Task.sleep(until: deadline, clock: .continuous)
                    self.wake(waiter: id)
                }
            }
        }
    }

    private func wake(waiter id: Int) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard let waiter = state.waiter, waiter.id == id else { return nil }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }

    private func commit(_ batch: [Submission], failureStreak: inout Int) async {
        let configurationChanges = batch.reduce(0) { $0 + $1.changes.count(where: \.isConfiguration) }
        let result: Result<ChangeWriter.Outcome, EventStoreError>
        if batch.contains(where: { !$0.changes.isEmpty }) {
            do {
                let changes = batch.flatMap(\.changes)
                let outcome = try await withTimeout(commitTimeout) { [client, writer, logger] in
                    try await client.withTransaction(logger: logger) { connection in
                        try await writer.apply(changes, on: connection)
                    }
                }
                result = .success(outcome)
            } catch {
                result = .failure(EventStoreError(.writeFailed, reason: PostgresFailure.describe(error)))
            }
        } else {
            // Barriers alone need no transaction: everything before them is committed already.
            result = .success(ChangeWriter.Outcome())
        }
        state.withLock { state in
            // Retried changes were counted when first submitted; a failed batch's are counted again below.
            state.uncommittedConfigurationChanges -= configurationChanges
            if case .success(let outcome) = result, let version = outcome.configurationVersion {
                state.committedConfigurationVersion = max(state.committedConfigurationVersion, version)
            }
        }
        switch result {
        case .success:
            if batch.contains(where: { !$0.changes.isEmpty }) { state.withLock { $0.transactionCount += 1 } }
            if failureStreak > 0 {
                logger.notice("commits to PostgreSQL succeed again", metadata: ["pb.failed_transactions": "\(failureStreak)"])
                failureStreak = 0
            }
            for submission in batch { submission.completion?(.success(())) }
        case .failure(let error):
            failureStreak += 1
            let retried = requeue(batch, failureStreak: failureStreak)
            if failureStreak == 1 {
                logger.error(
                    "commit to PostgreSQL failed; entries waiting for it are refused, changes without a completion are kept and retried",
                    metadata: ["pb.reason": "\(error.reason)", "pb.retried_changes": "\(retried)"]
                )
            }
            for submission in batch { submission.completion?(.failure(error)) }
        }
    }

    /// Puts the failed submissions without a completion back at the head, with compensating deletes for what
    /// the refused ones accepted; returns how many changes are kept.
    private func requeue(_ batch: [Submission], failureStreak: Int) -> Int {
        var retry = batch.filter { $0.completion == nil && !$0.changes.isEmpty }
        let takenBack: [StoreChange] = batch.filter { $0.completion != nil }.flatMap(\.changes).flatMap { change -> [StoreChange] in
            guard case .accept(let event, let messages) = change else { return [] }
            return messages.map { .delivered(MessageKey(eventId: event.id, target: $0.target)) }
        }
        if !takenBack.isEmpty { retry.append(Submission(changes: takenBack, completion: nil)) }
        var count = retry.reduce(0) { $0 + $1.changes.count }
        var dropped = 0
        while count > retryBacklogLimit, let first = retry.first {
            count -= first.changes.count
            dropped += first.changes.count
            retry.removeFirst()
        }
        let configurationChanges = retry.reduce(0) { $0 + $1.changes.count(where: \.isConfiguration) }
        // 10 ms, doubling, at most 1 s: an outage is not polled in a loop, a passing error retries soon.
        let delay = Duration.milliseconds(min(1000, 10 << min(failureStreak - 1, 7)))
        let stopping = state.withLock { state in
            state.failedTransactionCount += 1
            guard !state.stopping else { return true }
            state.retry = retry
            state.retryNotBefore = .now + delay
            state.uncommittedConfigurationChanges += configurationChanges
            return false
        }
        if stopping {
            // Closing: the process is going away; the leases of what it held run out and another node delivers.
            if count > 0 {
                logger.error(
                    "closing while PostgreSQL is unreachable: \(count) delivery updates were not recorded; accepted events are kept, and some may be delivered again by another node"
                )
            }
            return 0
        }
        if dropped > 0 { logger.error("retry backlog over \(retryBacklogLimit) changes: dropped the \(dropped) oldest") }
        return count
    }
}

extension StoreChange {
    /// Buses, rules and targets: what every node must reload when it changes.
    var isConfiguration: Bool {
        switch self {
        case .putBus, .deleteBus, .putRule, .deleteRule, .putTarget, .deleteTarget: true
        case .accept, .reschedule, .delivered, .deadLettered, .deadLetterRemoved: false
        }
    }
}
