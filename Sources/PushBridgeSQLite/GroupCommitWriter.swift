import Foundation
import GRDB
import Logging
import PushBridgeCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The store's one writer thread. Submitting only appends to a list (callers are NIO event loops); the thread
/// takes everything pending and commits it as one transaction, so submissions that arrive while a transaction
/// runs share the next one (group commit): a burst of PutEvents costs a few commits, not one each.
///
/// When a transaction fails (disk full, I/O error), every submission in it that has a completion is told and
/// dropped: its caller answers with an error. Submissions without one (delivery bookkeeping that nobody awaits)
/// are retried, first, with the next transaction, after a growing pause while nothing new arrives.
final class GroupCommitWriter: Sendable {
    typealias Completion = @Sendable (Result<Void, EventStoreError>) -> Void

    struct Submission: Sendable {
        var changes: [StoreChange]
        var completion: Completion?
    }

    private struct State {
        var pending: [Submission] = []
        /// Failed submissions without a completion, oldest first: they go before `pending`.
        var retry: [Submission] = []
        var retryNotBefore: Date?
        var writerSleeping = false
        var writerThread: pthread_t?
        var stopping = false
        var exited = false
        var transactionCount = 0
        var failedTransactionCount = 0
    }

    private enum Step {
        case commit([Submission])
        case wait(until: Date?)
        case exit
    }

    let path: String
    /// Past this many changes waiting for a retry, the oldest are dropped (an outage must not exhaust memory).
    let retryBacklogLimit: Int
    private let database: DatabaseQueue
    private let directoryLock: DataDirectoryLock
    private let logger: Logger
    private let state = Mutex(State())
    /// Wakes the writer (and, once it has exited, whoever waits in `close`). Guards no data of its own.
    private let condition = NSCondition()

    init(database: DatabaseQueue, directoryLock: DataDirectoryLock, path: String, retryBacklogLimit: Int, logger: Logger) {
        self.database = database
        self.directoryLock = directoryLock
        self.path = path
        self.retryBacklogLimit = retryBacklogLimit
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "PushBridgeSQLite writer"
        thread.start()
    }

    var transactionCount: Int { state.withLock { $0.transactionCount } }
    var failedTransactionCount: Int { state.withLock { $0.failedTransactionCount } }
    var isClosed: Bool { state.withLock { $0.stopping } }

    func submit(_ changes: [StoreChange], completion: Completion?) {
        let wake: Bool? = state.withLock { state in
            guard !state.stopping else { return nil }
            state.pending.append(Submission(changes: changes, completion: completion))
            // Only a sleeping writer needs the condition; a busy one takes this with its next batch.
            guard state.writerSleeping else { return false }
            state.writerSleeping = false
            return true
        }
        switch wake {
        case nil: completion?(.failure(EventStoreError(.closed, path: path, reason: "the store is closed")))
        case true?: signal()
        case false?: break
        }
    }

    /// Commits what is pending, stops the thread, closes the database and releases the directory. Waits for all
    /// of it unless called on the writer thread itself (a completion dropping the last reference to the store).
    func close() {
        let onWriterThread = state.withLock { state in
            state.stopping = true
            state.writerSleeping = false
            return state.writerThread.map { pthread_equal($0, pthread_self()) != 0 } ?? false
        }
        condition.lock()
        condition.broadcast()
        if !onWriterThread {
            while !state.withLock({ $0.exited }) { condition.wait() }
        }
        condition.unlock()
    }

    private func signal() {
        condition.lock()
        condition.signal()
        condition.unlock()
    }

    private func run() {
        state.withLock { $0.writerThread = pthread_self() }
        let applier = ChangeApplier()
        var failureStreak = 0
        loop: while true {
            // The condition is held only to decide and to wait: a completion may drop the last reference to the
            // store, whose deinit calls `close`, which takes the condition on this same thread.
            condition.lock()
            let step = nextStep()
            if case .wait(let deadline) = step {
                if let deadline { _ = condition.wait(until: deadline) } else { condition.wait() }
            }
            condition.unlock()
            switch step {
            case .wait: continue
            case .commit(let batch): commit(batch, applier: applier, failureStreak: &failureStreak)
            case .exit: break loop
            }
        }
        do {
            try database.close()
        } catch {
            logger.error(
                "cannot close the database",
                metadata: ["path": "\(path)", "reason": "\(EventStoreError(.writeFailed, path: path, error: error).reason)"]
            )
        }
        directoryLock.release()
        condition.lock()
        state.withLock { $0.exited = true }
        condition.broadcast()
        condition.unlock()
    }

    /// Called with the condition locked, so that a submitter that finds the writer sleeping signals only once it
    /// really waits (it takes the condition to signal).
    private func nextStep() -> Step {
        state.withLock { state in
            state.writerSleeping = false
            let retryDue = !state.retry.isEmpty && (state.stopping || state.retryNotBefore.map { Date() >= $0 } ?? true)
            if !state.pending.isEmpty || retryDue {
                let batch = state.retry + state.pending
                state.retry = []
                state.pending = []
                return .commit(batch)
            }
            if state.stopping { return .exit }
            state.writerSleeping = true
            return .wait(until: state.retry.isEmpty ? nil : state.retryNotBefore)
        }
    }

    private func commit(_ batch: [Submission], applier: ChangeApplier, failureStreak: inout Int) {
        let result: Result<Void, EventStoreError>
        // Barriers alone need no transaction: everything before them is committed already.
        let needsTransaction = batch.contains { !$0.changes.isEmpty }
        if needsTransaction {
            do {
                try database.inTransaction(.immediate) { db in
                    for submission in batch {
                        for change in submission.changes { try applier.apply(change, in: db) }
                    }
                    return .commit
                }
                result = .success(())
            } catch {
                result = .failure(EventStoreError(.writeFailed, path: path, error: error))
            }
        } else {
            result = .success(())
        }
        switch result {
        case .success:
            if needsTransaction { state.withLock { $0.transactionCount += 1 } }
            if failureStreak > 0 {
                logger.notice("commits succeed again", metadata: ["path": "\(path)", "failedTransactions": "\(failureStreak)"])
                failureStreak = 0
            }
            for submission in batch { submission.completion?(result) }
        case .failure(let error):
            failureStreak += 1
            // On a full disk most of the room is in the -wal file; folding it into the database and truncating it
            // is what lets deliveries (deletions) free space again. Best effort: it may fail for the same reason.
            _ = try? database.writeWithoutTransaction { try $0.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            let retried = requeue(batch, failureStreak: failureStreak)
            // Once per streak: a full disk fails every commit until room is made.
            if failureStreak == 1 {
                logger.error(
                    "commit failed; changes without a completion are kept and retried",
                    metadata: ["path": "\(path)", "reason": "\(error.reason)", "retriedChanges": "\(retried)"]
                )
            }
            for submission in batch { submission.completion?(result) }
        }
    }

    /// Puts the failed submissions without a completion back at the head, within the backlog limit; returns how
    /// many changes are kept.
    private func requeue(_ batch: [Submission], failureStreak: Int) -> Int {
        var retry = batch.filter { $0.completion == nil && !$0.changes.isEmpty }
        var count = retry.reduce(0) { $0 + $1.changes.count }
        let stopping = state.withLock { $0.stopping }
        if stopping {
            // Closing: the process is going away, and retrying a failing disk forever would hang it.
            state.withLock { $0.failedTransactionCount += 1 }
            if count > 0 {
                logger.error(
                    "closing while commits fail: \(count) updates (deliveries, retry times, dead-letter changes) were not recorded; accepted events are kept, and some may be delivered again after the next start",
                    metadata: ["path": "\(path)"]
                )
            }
            return 0
        }
        var dropped = 0
        var drop = 0
        while count > retryBacklogLimit, drop < retry.count {
            count -= retry[drop].changes.count
            dropped += retry[drop].changes.count
            drop += 1
        }
        retry.removeFirst(drop)
        // 10 ms, doubling, at most 1 s: a full disk is not polled in a loop, a passing error retries soon.
        let delay = min(1.0, 0.01 * pow(2, Double(min(failureStreak - 1, 10))))
        state.withLock { state in
            state.failedTransactionCount += 1
            state.retry = retry
            state.retryNotBefore = Date(timeIntervalSinceNow: delay)
        }
        if dropped > 0 {
            logger.error("retry backlog over \(retryBacklogLimit) changes: dropped the \(dropped) oldest", metadata: ["path": "\(path)"])
        }
        return count
    }
}
