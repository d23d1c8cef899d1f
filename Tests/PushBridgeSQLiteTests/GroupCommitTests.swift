import PushBridgeCore
import Synchronization
import Testing

@testable import PushBridgeSQLite

@Suite("SQLiteEventStore group commit")
struct GroupCommitTests {
    @Test("200 concurrent commits all succeed, in fewer than 200 transactions")
    func concurrentCommits() async throws {
        try await withTemporaryDirectory { directory in
            let store = try openStore(directory)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<200 {
                    group.addTask { try await store.commit([.accept(event("e\(index)"), messages: [message(target())])]) }
                }
                try await group.waitForAll()
            }
            #expect(store.transactionCount < 200)
            #expect(store.transactionCount >= 1)
            store.close()
            #expect(try recoverAfterRestart(directory).messages.count == 200)
        }
    }

    @Test("Completions run in submission order; an empty submission is a barrier")
    func completionOrder() async throws {
        try await withTemporaryDirectory { directory in
            let store = try openStore(directory)
            let order = Mutex<[Int]>([])
            for index in 0..<100 {
                let changes: [StoreChange] = index % 10 == 0 ? [] : [.accept(event("e\(index)"), messages: [message(target())])]
                store.submit(changes) { result in
                    if case .success = result { order.withLock { $0.append(index) } }
                }
                store.submit([.accept(event("n\(index)"), messages: [message(target())])], completion: nil)
            }
            try await store.flush()
            #expect(order.withLock { $0 } == Array(0..<100))
            // The barrier completed after everything before it, completion or not, was committed.
            #expect(try store.recover().messages.count == 190)
            store.close()
        }
    }

    @Test("close commits what is pending; later submits fail as closed; close twice is harmless")
    func closeCommitsPending() async throws {
        try await withTemporaryDirectory { directory in
            let store = try openStore(directory)
            for index in 0..<100 {
                store.submit([.accept(event("e\(index)"), messages: [message(target())])], completion: nil)
            }
            store.close()
            store.close()
            await #expect(throws: EventStoreError(.closed, path: store.path, reason: "the store is closed")) {
                try await store.commit([.deadLetterRemoved(id: "x")])
            }
            #expect(throws: EventStoreError.self) { try store.recover() }
            #expect(try recoverAfterRestart(directory).messages.count == 100)
        }
    }

    @Test("The last reference dropped in a completion does not deadlock")
    func releasedInCompletion() async throws {
        try await withTemporaryDirectory { directory in
            let done = Flag()
            do {
                let store = try openStore(directory)
                store.submit([.accept(event("e1"), messages: [message(target())])]) { [store] _ in
                    _ = store  // the completion holds the store until it has run
                    done.set()
                }
            }
            #expect(try await poll { done.isSet })
            // The directory is free again once the writer has wound down.
            #expect(try await poll { (try? openStore(directory)).map { $0.close() } != nil })
            let state = try recoverAfterRestart(directory)
            #expect(state.messages.count == 1)
        }
    }
}

/// A flag set on one thread and read on another.
private final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}
