import Logging
import PushBridgeCore
import Testing

/// The queue's fast path: a deliverer that never waits (WebSocket fan-out) delivers a message in its producer's
/// pass when nothing is queued ahead of it; everything else goes through the queue as before.
@Suite("DeliveryQueue: delivery at once")
struct DeliveryAtOnceTests {
    @Test("An idle queue lets the producer deliver: no worker runs, nothing stays queued")
    func idleQueueDeliversAtOnce() {
        let deliverer = FakeDeliverer(deliversAtOnce: true)
        let queue = makeQueue(deliverer: deliverer)
        #expect(queue.enqueue(makeMessage()))
        #expect(deliverer.delivered.map(\.event.id) == [makeEvent().id])
        let snapshot = queue.snapshot
        #expect(snapshot.depth == 0)
        #expect(snapshot.counters.enqueued == 1)
        #expect(snapshot.counters.delivered == 1)
    }

    @Test("A deliverer that cannot deliver at once leaves the message to the worker")
    func otherDeliverersQueue() {
        let deliverer = FakeDeliverer()
        let queue = makeQueue(deliverer: deliverer)
        #expect(queue.enqueue(makeMessage()))
        #expect(deliverer.callCount == 0)
        #expect(queue.snapshot.ready == 1)
    }

    @Test("A failed delivery at once takes the queue, and what comes after it waits behind it, in order")
    func failureFallsBackInOrder() async {
        let deliverer = FakeDeliverer(failures: 1, deliversAtOnce: true)
        let queue = makeQueue(deliverer: deliverer)
        let first = makeMessage(makeEvent(id: "first"))
        let second = makeMessage(makeEvent(id: "second"))
        #expect(queue.enqueue(first))
        #expect(queue.enqueue(second))
        // The failed call was not one of the queue's attempts, and the second message was not tried out of turn.
        #expect(deliverer.callCount == 1)
        #expect(queue.snapshot.ready == 2)
        let worker = Task { await queue.run() }
        #expect(await eventually { queue.snapshot.counters.delivered == 2 })
        worker.cancel()
        #expect(deliverer.delivered.map(\.event.id) == ["first", "second"])
        #expect(queue.snapshot.counters.failedAttempts == 0)
        #expect(queue.snapshot.counters.retried == 0)
    }

    @Test("A message enqueued while another is queued is not delivered ahead of it")
    func busyQueueKeepsOrder() {
        let deliverer = FakeDeliverer(failures: 1, deliversAtOnce: true)
        let queue = makeQueue(deliverer: deliverer)
        #expect(queue.enqueue(makeMessage(makeEvent(id: "queued"))))
        #expect(queue.enqueue(makeMessage(makeEvent(id: "later"))))
        #expect(deliverer.delivered.isEmpty)
        #expect(queue.snapshot.ready == 2)
    }

    @Test("A reserved place and its bytes are given back when the message is delivered at once")
    func reservationReturned() {
        let budget = MemoryBudget(limit: 1_000_000)
        let deliverer = FakeDeliverer(deliversAtOnce: true)
        let queue = makeQueue(deliverer: deliverer, capacity: 1, budget: budget)
        let message = makeMessage()
        #expect(queue.reservePlace(bytes: message.event.estimatedBytes))
        #expect(queue.freeCapacity == 0)
        #expect(budget.usedBytes == message.event.estimatedBytes)
        #expect(queue.enqueue(reserved: message))
        #expect(queue.freeCapacity == 1)
        #expect(budget.usedBytes == 0)
        #expect(queue.snapshot.counters.delivered == 1)
    }

    @Test("A closed queue refuses, at once or not")
    func closedRefuses() {
        let deliverer = FakeDeliverer(deliversAtOnce: true)
        let queue = makeQueue(deliverer: deliverer)
        queue.close(reason: DeliveryFailure(code: "NO_RESOURCE", message: "gone", retryable: false))
        #expect(!queue.enqueue(makeMessage()))
        #expect(deliverer.callCount == 0)
    }
}
