import PushBridgeCore
import Testing

@Suite("InMemoryDeadLetterStore")
struct InMemoryDeadLetterStoreTests {
    let other = TargetKey(busName: "orders", ruleName: "Shipped", targetId: "Webhook")

    private func filled() -> InMemoryDeadLetterStore {
        let store = InMemoryDeadLetterStore()
        store.add(makeDeadLetter(id: "1", errorCode: "TIMEOUT", at: t0))
        store.add(makeDeadLetter(id: "2", target: other, errorCode: "NO_RESOURCE", at: t0.adding(seconds: 10)))
        store.add(makeDeadLetter(id: "3", errorCode: "NO_RESOURCE", at: t0.adding(seconds: 20)))
        store.add(
            makeDeadLetter(id: "4", target: TargetKey(busName: "orders", ruleName: "Other", targetId: "Subscribers"), at: t0.adding(seconds: 30))
        )
        return store
    }

    @Test("add, entry, count, list oldest first")
    func basics() {
        let store = filled()
        #expect(store.count == 4)
        #expect(store.entry(id: "2")?.target == other)
        #expect(store.entry(id: "missing") == nil)
        #expect(store.list(.all).map(\.id) == ["1", "2", "3", "4"])
    }

    @Test("Filters by bus, rule, target, error code and time (inclusive)")
    func filters() {
        let store = filled()
        #expect(store.list(DeadLetterFilter(busName: "orders")).map(\.id) == ["2", "4"])
        #expect(store.list(DeadLetterFilter(ruleName: "EntityUpdated")).map(\.id) == ["1", "3"])
        #expect(store.list(DeadLetterFilter(targetId: "Subscribers")).map(\.id) == ["1", "3", "4"])
        #expect(store.list(DeadLetterFilter(errorCode: "NO_RESOURCE")).map(\.id) == ["2", "3"])
        #expect(store.list(DeadLetterFilter(since: t0.adding(seconds: 10))).map(\.id) == ["2", "3", "4"])
        #expect(store.list(DeadLetterFilter(until: t0.adding(seconds: 10))).map(\.id) == ["1", "2"])
        #expect(store.list(DeadLetterFilter(since: t0.adding(seconds: 10), until: t0.adding(seconds: 20))).map(\.id) == ["2", "3"])
        #expect(store.list(DeadLetterFilter(busName: "default", errorCode: "NO_RESOURCE")).map(\.id) == ["3"])
        #expect(store.list(DeadLetterFilter(busName: "nope")).isEmpty)
    }

    @Test("remove takes one entry out")
    func remove() {
        let store = filled()
        #expect(store.remove(id: "2")?.id == "2")
        #expect(store.remove(id: "2") == nil)
        #expect(store.entry(id: "2") == nil)
        #expect(store.count == 3)
        #expect(store.list(.all).map(\.id) == ["1", "3", "4"])
    }

    @Test("removeAll takes out what matches and returns it")
    func removeAll() {
        let store = filled()
        #expect(store.removeAll(DeadLetterFilter(errorCode: "NO_RESOURCE")).map(\.id) == ["2", "3"])
        #expect(store.list(.all).map(\.id) == ["1", "4"])
        #expect(store.count == 2)
        #expect(store.removeAll(DeadLetterFilter(errorCode: "NO_RESOURCE")).isEmpty)
        #expect(store.removeAll(.all).map(\.id) == ["1", "4"])
        #expect(store.count == 0)
    }

    @Test("At capacity the oldest entry is evicted")
    func eviction() {
        let store = InMemoryDeadLetterStore(maximumEntries: 3)
        for id in ["a", "b", "c"] { store.add(makeDeadLetter(id: id)) }
        #expect(store.count == 3)
        store.add(makeDeadLetter(id: "d"))
        #expect(store.count == 3)
        #expect(store.entry(id: "a") == nil)
        #expect(store.list(.all).map(\.id) == ["b", "c", "d"])
        // Removing makes room again without eviction.
        _ = store.remove(id: "c")
        store.add(makeDeadLetter(id: "e"))
        #expect(store.list(.all).map(\.id) == ["b", "d", "e"])
    }
}

extension InMemoryDeadLetterStoreTests {
    @Test("Adding an entry with an existing id replaces it in place")
    func sameID() {
        let store = InMemoryDeadLetterStore(maximumEntries: 3)
        store.add(makeDeadLetter(id: "a", errorCode: "TIMEOUT"))
        store.add(makeDeadLetter(id: "b"))
        store.add(makeDeadLetter(id: "a", errorCode: "NO_RESOURCE"))
        #expect(store.count == 2)
        #expect(store.list(.all).map(\.id) == ["a", "b"])
        #expect(store.entry(id: "a")?.errorCode == "NO_RESOURCE")
        store.add(makeDeadLetter(id: "c"))
        #expect(store.list(.all).map(\.id) == ["a", "b", "c"])
    }
}

@Suite("InMemoryDeadLetterStore removal")
struct InMemoryDeadLetterStoreRemovalTests {
    @Test("Removed ids leave no hole: eviction skips them and keeps the newest, order stays oldest first")
    func removalThenEviction() {
        let store = InMemoryDeadLetterStore(maximumEntries: 3)
        for id in ["a", "b", "c"] { store.add(makeDeadLetter(id: id)) }
        #expect(store.remove(id: "a")?.id == "a")
        #expect(store.remove(id: "a") == nil)
        store.add(makeDeadLetter(id: "d"))
        #expect(store.list(.all).map(\.id) == ["b", "c", "d"])
        store.add(makeDeadLetter(id: "e"))
        #expect(store.list(.all).map(\.id) == ["c", "d", "e"])
        #expect(store.evictedCount == 1)
    }

    @Test("Purging many one by one stays consistent")
    func manyRemovals() {
        let store = InMemoryDeadLetterStore()
        for index in 0..<5000 { store.add(makeDeadLetter(id: "\(index)")) }
        for index in stride(from: 0, to: 5000, by: 2) { _ = store.remove(id: "\(index)") }
        #expect(store.count == 2500)
        #expect(store.list(.all).first?.id == "1")
        #expect(store.list(.all).last?.id == "4999")
    }
}
