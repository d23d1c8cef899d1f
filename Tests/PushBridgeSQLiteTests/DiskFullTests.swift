import Logging
import PushBridgeCore
import Testing

@testable import PushBridgeSQLite

/// A small `max_page_count` makes SQLite fail commits with SQLITE_FULL, the code path of a full disk.
@Suite("SQLiteEventStore when the disk is full")
struct DiskFullTests {
    /// Accepts 16 KiB events, one commit each, until one fails; returns the ids that were committed.
    private func fill(_ store: SQLiteEventStore) async throws -> (accepted: [String], failure: EventStoreError?) {
        var accepted: [String] = []
        for index in 0..<200 {  // bounded: 64 pages hold about ten
            do {
                try await store.commit([.accept(event("e\(index)", bytes: 16_384), messages: [message(target())])])
                accepted.append("e\(index)")
            } catch {
                return (accepted, error)
            }
        }
        return (accepted, nil)
    }

    @Test("A commit past the limit fails as writeFailed; deleting messages makes room again")
    func fullThenFreed() async throws {
        try await withTemporaryDirectory { directory in
            let store = try openStore(directory, maximumPageCount: 64)
            let (accepted, failure) = try await fill(store)
            #expect(accepted.count > 2)
            #expect(failure?.kind == .writeFailed)
            #expect(failure?.path == store.path)
            #expect(failure?.reason.contains("full") == true)

            try await store.commit(accepted.prefix(3).map { .delivered(MessageKey(eventId: $0, target: target())) })
            try await store.commit([.accept(event("later", bytes: 16_384), messages: [message(target())])])
            try await store.commit([.deadLetterRemoved(id: "none")])  // still working
            store.close()
            #expect(try recoverAfterRestart(directory).messages.map(\.event.id) == Array(accepted.dropFirst(3)) + ["later"])
        }
    }

    @Test("Changes without a completion are retried after a failure, and the error is logged once per streak")
    func retriedWithoutCompletion() async throws {
        try await withTemporaryDirectory { directory in
            let logs = LogCapture()
            let store = try SQLiteEventStore(directory: directory, maximumPageCount: 64, logger: logs.logger)
            let (accepted, _) = try await fill(store)
            store.submit([.accept(event("retried", bytes: 16_384), messages: [message(target())])], completion: nil)
            // The barrier shares the failing transaction with the retried change (which goes first).
            await #expect(throws: EventStoreError.self) { try await store.flush() }
            await #expect(throws: EventStoreError.self) { try await store.flush() }
            #expect(store.failedTransactionCount >= 3)

            try store.setMaximumPageCount(1_000)
            try await store.flush()
            store.close()
            #expect(try recoverAfterRestart(directory).messages.map(\.event.id) == accepted + ["retried"])
            // One error for the streak (the fill's own failure starts it, the retries continue it).
            #expect(logs.entries.filter { $0.level == .error }.count == 1)
            #expect(logs.entries.contains { $0.level == .notice && $0.message.contains("succeed again") })
        }
    }

    @Test("Past the retry backlog limit the oldest changes are dropped, with an error that counts them")
    func backlogLimit() async throws {
        try await withTemporaryDirectory { directory in
            let logs = LogCapture()
            let store = try SQLiteEventStore(
                directory: directory,
                synchronous: .normal,
                maximumPageCount: 64,
                retryBacklogLimit: 3,
                logger: logs.logger
            )
            let (accepted, _) = try await fill(store)
            for index in 0..<5 {
                store.submit([.accept(event("r\(index)", bytes: 16_384), messages: [message(target())])], completion: nil)
            }
            await #expect(throws: EventStoreError.self) { try await store.flush() }
            try store.setMaximumPageCount(1_000)
            try await store.flush()
            store.close()
            #expect(try recoverAfterRestart(directory).messages.map(\.event.id) == accepted + ["r2", "r3", "r4"])
            let dropped = logs.entries.filter { $0.level == .error && $0.message.contains("retry backlog over 3 changes") }
            #expect(!dropped.isEmpty)
        }
    }
}
