import Logging
import PushBridgeCore
import PushBridgeJSON
import Testing

@Suite("Memory budget")
struct MemoryBudgetTests {
    /// An event whose detail weighs about `bytes`.
    private func heavyEvent(id: String, bytes: Int) -> Event {
        makeEvent(id: id, detail: ["entityId": "e", "blob": .string(String(repeating: "x", count: bytes))])
    }

    @Test("Reserve fits or takes nothing; release gives back")
    func reserveAndRelease() {
        let budget = MemoryBudget(limit: 100)
        #expect(budget.reserve(60))
        #expect(!budget.reserve(41))
        #expect(budget.usedBytes == 60)
        #expect(budget.reserve(40))
        #expect(!budget.canReserve(1))
        budget.release(100)
        #expect(budget.usedBytes == 0)
        #expect(!budget.reserve(Int.max))
    }

    @Test("An event's weight follows its detail, measured or given")
    func eventWeight() {
        let small = makeEvent()
        let large = heavyEvent(id: "big", bytes: 100_000)
        #expect(large.estimatedBytes - small.estimatedBytes > 99_000)
        #expect(large.estimatedBytes < 101_000)
        let given = Event(
            id: "x",
            source: "s",
            detailType: "t",
            account: "1",
            region: "r",
            time: t0,
            resources: [],
            detail: [:],
            eventBusName: "default",
            ingestedAt: t0,
            detailBytes: 5000
        )
        #expect(given.estimatedBytes >= 5000)
    }

    @Test("A queue refuses what its budget cannot hold, and takes more once delivered")
    func queueHonoursTheBudget() async {
        let deliverer = FakeDeliverer()
        let event = heavyEvent(id: "e0", bytes: 10_000)
        let budget = MemoryBudget(limit: 3 * event.estimatedBytes + 100)
        let queue = makeQueue(deliverer: deliverer, capacity: 100, budget: budget)
        for index in 0..<3 { #expect(queue.enqueue(makeMessage(heavyEvent(id: "e\(index)", bytes: 10_000)))) }
        #expect(!queue.enqueue(makeMessage(heavyEvent(id: "e3", bytes: 10_000))))
        #expect(queue.snapshot.depth == 3)
        let worker = Task { await queue.run() }
        defer { worker.cancel() }
        #expect(await eventually { queue.snapshot.counters.delivered == 3 })
        #expect(await eventually { budget.usedBytes == 0 })
        #expect(queue.enqueue(makeMessage(heavyEvent(id: "e4", bytes: 10_000))))
    }

    @Test("Dead-lettered and drained messages give their bytes back")
    func deadLettersRelease() {
        let budget = MemoryBudget(limit: 1 << 20)
        let queue = makeQueue(deliverer: FakeDeliverer(), capacity: 100, budget: budget)
        #expect(queue.enqueue(makeMessage(heavyEvent(id: "a", bytes: 5000))))
        #expect(budget.usedBytes > 5000)
        queue.close(reason: .noResource("removed"))
        #expect(budget.usedBytes == 0)
    }

    @Test("The DLQ is bounded in bytes: the oldest go, counted; the newest always stays")
    func deadLetterBytes() {
        let one = makeDeadLetter(id: "probe")
        let weight = one.event.utf8.count + one.errorMessage.utf8.count + 256
        let store = InMemoryDeadLetterStore(maximumBytes: 3 * weight + 10)
        for index in 0..<10 { store.add(makeDeadLetter(id: "\(index)")) }
        #expect(store.count == 3)
        #expect(store.list(.all).map(\.id) == ["7", "8", "9"])
        #expect(store.evictedCount == 7)
        _ = store.remove(id: "8")
        store.add(makeDeadLetter(id: "10"))
        #expect(store.list(.all).map(\.id) == ["7", "9", "10"])
        let tiny = InMemoryDeadLetterStore(maximumBytes: 1)
        tiny.add(makeDeadLetter(id: "only"))
        #expect(tiny.count == 1)
    }
}
