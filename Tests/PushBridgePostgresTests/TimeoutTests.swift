import Testing

@testable import PushBridgePostgres

@Suite("PostgreSQL timeouts")
struct TimeoutTests {
    @Test("A timeout returns on time even when the operation ignores its cancellation (a query on a dropped connection)")
    func doesNotWaitForTheOperation() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        await #expect(throws: CommitTimeout.self) {
            try await withTimeout(.milliseconds(100)) {
                // Resumed only after 30 s, whatever cancellation says.
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    Task.detached {
                        try? await Task.sleep(for: .seconds(30))
                        continuation.resume()
                    }
                }
            }
        }
        // Far below the operation's 30 s; not tight, since the whole suite shares two cores' cooperative threads.
        #expect(clock.now - started < .seconds(15))
    }

    @Test("An operation that finishes in time gives its value or its error")
    func resultsPassThrough() async throws {
        let value = try await withTimeout(.seconds(5)) { 42 }
        #expect(value == 42)
        struct Failure: Error {}
        await #expect(throws: Failure.self) { try await withTimeout(.seconds(5)) { throw Failure() } }
    }
}
