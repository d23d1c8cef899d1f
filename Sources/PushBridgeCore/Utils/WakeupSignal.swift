import Synchronization

/// Wakes one waiting task; a signal sent while nobody waits is remembered once.
///
/// Hand-written because AsyncStream ends for good when its waiting task is cancelled, and a worker's timed
/// wait cancels the waiter every time the timer wins.
public final class WakeupSignal: Sendable {
    private struct State {
        var pending = false
        // Unsafe rather than checked: the lock hands each waiter out exactly once, and a checked continuation
        // allocates on every wait, which is once per event when events arrive one by one.
        var waiter: UnsafeContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    public func signal() {
        let waiter: UnsafeContinuation<Void, Never>? = state.withLock { state in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when signalled, when `deadline` (if any) passes, or when the task is cancelled.
    public func wait(until deadline: ContinuousClock.Instant?) async {
        if state.withLock({ state in
            defer { state.pending = false }
            return state.pending
        }) {
            return
        }
        guard let deadline else { return await waitForSignal() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForSignal() }
            group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForSignal() async {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                let waiter = state.waiter
                state.waiter = nil
                return waiter
            }
            waiter?.resume()
        }
    }
}
