import Logging
import PushBridgeCore
import Testing

@Suite("DeliveryQueue (runtime)")
struct DeliveryQueueTests {
    /// Runs `queue`'s worker while `body` runs.
    private func running(_ queue: DeliveryQueue, _ body: () async throws -> Void) async rethrows {
        let worker = Task { await queue.run() }
        defer { worker.cancel() }
        try await body()
    }

    @Test("A message that fails twice is retried and then delivered")
    func retriedThenDelivered() async {
        let deliverer = FakeDeliverer(failures: 2)
        let deadLetters = InMemoryDeadLetterStore()
        let queue = makeQueue(deliverer: deliverer, deadLetters: deadLetters)
        await running(queue) {
            #expect(queue.enqueue(makeMessage()))
            #expect(await eventually { queue.snapshot.counters.delivered == 1 })
        }
        #expect(deliverer.callCount == 3)
        #expect(deliverer.delivered.map(\.event.id) == [makeEvent().id])
        let counters = queue.snapshot.counters
        #expect(counters.enqueued == 1)
        #expect(counters.failedAttempts == 2)
        #expect(counters.retried == 2)
        #expect(counters.deadLettered == 0)
        #expect(queue.snapshot.depth == 0)
        #expect(deadLetters.count == 0)
    }

    @Test("Concurrent deliverers deliver every message")
    func concurrent() async {
        let deliverer = FakeDeliverer(failures: 3, maximumConcurrency: 4)
        let queue = makeQueue(deliverer: deliverer, capacity: 50)
        await running(queue) {
            for index in 0..<20 { #expect(queue.enqueue(makeMessage(makeEvent(id: "e\(index)")))) }
            #expect(await eventually { queue.snapshot.counters.delivered == 20 })
        }
        #expect(Set(deliverer.delivered.map(\.event.id)).count == 20)
        #expect(deliverer.callCount == 23)
    }

    @Test("Exhausted retries land in the dead-letter store")
    func exhausted() async throws {
        let deliverer = FakeDeliverer(failures: .max)
        let deadLetters = InMemoryDeadLetterStore()
        let queue = makeQueue(deliverer: deliverer, policy: fastRetryPolicy(maximumRetryAttempts: 2), deadLetters: deadLetters)
        await running(queue) {
            #expect(queue.enqueue(makeMessage()))
            #expect(await eventually { deadLetters.count == 1 })
        }
        let entry = try #require(deadLetters.list(.all).first)
        #expect(entry.exhaustedRetryCondition == .maximumRetryAttempts)
        #expect(entry.retryAttempts == 2)
        #expect(entry.attempts.count == 3)
        #expect(deliverer.callCount == 3)
        #expect(queue.snapshot.counters.deadLettered == 1)
        #expect(queue.snapshot.depth == 0)
    }

    @Test("A non-retryable failure is dead-lettered after one attempt")
    func nonRetryableFailure() async throws {
        let deliverer = FakeDeliverer(failures: 1, failure: nonRetryable)
        let deadLetters = InMemoryDeadLetterStore()
        let queue = makeQueue(deliverer: deliverer, deadLetters: deadLetters)
        await running(queue) {
            #expect(queue.enqueue(makeMessage()))
            #expect(await eventually { deadLetters.count == 1 })
        }
        #expect(deliverer.callCount == 1)
        #expect(deadLetters.list(.all).first?.errorCode == "NO_PERMISSIONS")
        #expect(deadLetters.list(.all).first?.exhaustedRetryCondition == nil)
    }

    @Test("retryNow skips a long Retry-After; cancelRetry dead-letters")
    func operatorActions() async throws {
        let longWait = DeliveryFailure(code: "THROTTLING", message: "429", retryable: true, retryAfter: t0 + .seconds(3600))
        let deliverer = FakeDeliverer(failures: 1, failure: longWait)
        let deadLetters = InMemoryDeadLetterStore()
        let queue = makeQueue(deliverer: deliverer, deadLetters: deadLetters)
        try await running(queue) {
            #expect(queue.enqueue(makeMessage()))
            #expect(await eventually { queue.waitingMessages.count == 1 })
            let waiting = try #require(queue.waitingMessages.first)
            #expect(queue.snapshot.waitingForRetry == 1)
            #expect(queue.snapshot.nextRetryAt == waiting.dueAt)
            #expect(queue.retryNow(waiting.id))
            #expect(await eventually { queue.snapshot.counters.delivered == 1 })
            #expect(!queue.retryNow(waiting.id))
        }
        #expect(deliverer.callCount == 2)

        let stuck = FakeDeliverer(failures: 1, failure: longWait)
        let other = makeQueue(deliverer: stuck, deadLetters: deadLetters)
        try await running(other) {
            #expect(other.enqueue(makeMessage()))
            #expect(await eventually { other.waitingMessages.count == 1 })
            let waiting = try #require(other.waitingMessages.first)
            let entry = try #require(other.cancelRetry(waiting.id))
            #expect(entry.errorCode == "THROTTLING")
            #expect(deadLetters.entry(id: entry.id) == entry)
            #expect(other.cancelRetry(waiting.id) == nil)
        }
        #expect(other.snapshot.depth == 0)
    }

    @Test("close dead-letters what is queued and refuses new messages")
    func close() {
        let deadLetters = InMemoryDeadLetterStore()
        let queue = makeQueue(deliverer: FakeDeliverer(), deadLetters: deadLetters)
        #expect(queue.enqueue(makeMessage(makeEvent(id: "a"))))
        #expect(queue.enqueue(makeMessage(makeEvent(id: "b"))))
        queue.close(reason: .noResource("gone"))
        #expect(deadLetters.list(.all).map(\.eventId) == ["a", "b"])
        #expect(deadLetters.list(.all).allSatisfy { $0.errorCode == "NO_RESOURCE" })
        #expect(!queue.enqueue(makeMessage()))
        #expect(queue.snapshot.depth == 0)
    }

    @Test("Capacity is enforced at run time")
    func capacity() {
        let queue = makeQueue(deliverer: FakeDeliverer(), capacity: 2)
        #expect(queue.enqueue(makeMessage()))
        #expect(queue.freeCapacity == 1)
        #expect(queue.enqueue(makeMessage()))
        #expect(!queue.enqueue(makeMessage()))
        #expect(queue.freeCapacity == 0)
        #expect(queue.snapshot.ready == 2)
    }
}
