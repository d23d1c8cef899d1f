import Synchronization
import Testing

@testable import PushBridgePostgres

@Suite("PostgreSQL timeouts")
struct TimeoutTests {
    @Test("A timeout returns on time even when the operation ignores its cancellation (a query on a dropped connection)")
    func doesNotWaitForTheOperation() async throws {
        // The operation stays suspended until the test ends it, whatever cancellation says; the timeout must return
        // while it is still suspended. (Against the wall clock this was flaky: a loaded machine delays timers.)
        let operation = SuspendedOperation()
        // Should the timeout wait for the operation after all, this ends it, and the expectation below fails.
        let fallback = Task.detached {
            try? await Task.sleep(for: .seconds(60))
            operation.end()
        }
        await #expect(throws: CommitTimeout.self) {
            try await withTimeout(.milliseconds(100)) {
                await operation.suspend()
            }
        }
        #expect(!operation.hasEnded, "the timeout waited for the operation")
        operation.end()
        fallback.cancel()
    }

    @Test("An operation that finishes in time gives its value or its error")
    func resultsPassThrough() async throws {
        let value = try await withTimeout(.seconds(5)) { 42 }
        #expect(value == 42)
        struct Failure: Error {}
        await #expect(throws: Failure.self) { try await withTimeout(.seconds(5)) { throw Failure() } }
    }
}

/// An operation that stays suspended until ``end()``, as a query on a dropped connection that ignores cancellation.
private final class SuspendedOperation: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<Void, Never>?, ended: Bool)>((nil, false))

    func suspend() async {
        await withCheckedContinuation { continuation in
            let endedAlready = state.withLock { state in
                state.continuation = continuation
                return state.ended
            }
            if endedAlready { end() }
        }
    }

    func end() {
        let continuation = state.withLock { state in
            defer { state = (nil, true) }
            return state.continuation
        }
        continuation?.resume()
    }

    var hasEnded: Bool { state.withLock { $0.ended } }
}
