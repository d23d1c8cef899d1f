import PushBridgeCore
import Testing

@testable import PushBridgeSQLite

/// Every kind of change survives close, reopen and recover, in creation or acceptance order.
@Suite("SQLiteEventStore round trips")
struct RoundTripTests {
    @Test("Buses: put, update in place, delete")
    func buses() async throws {
        try await withTemporaryDirectory { directory in
            let store = try openStore(directory)
            let a = StoredBus(name: "a", arn: "arn:a", description: nil, createdAt: t0)
            let b = StoredBus(name: "b", arn: "arn:b", description: "first", createdAt: Timestamp(milliseconds: t0.milliseconds + 1))
            let c = StoredBus(name: "c", arn: "arn:c", description: nil, createdAt: t0)
            var updated = b
            updated.description = "second"
            try await store.commit([.putBus(a), .putBus(b), .putBus(c)])
            try await store.commit([.putBus(updated), .deleteBus(name: "c")])
            store.close()
            #expect(try recoverAfterRestart(directory).buses == [a, updated])
        }
    }

    @Test("Rules keep their creation order when updated")
    func rules() async throws {
        try await withTemporaryDirectory { directory in
            let store = try openStore(directory)
            let rules = ["r1", "r2", "r3"].map {
                StoredRule(busName: "orders", name: $0, arn: "arn:\($0)", eventPattern: #"{"source":["shop"]}"#, state: "ENABLED", description: nil)
            }
            var updated = rules[0]
            updated.state = "DISABLED"
            updated.eventPattern = nil
            updated.description = "paused"
            try await store.commit(rules.map { .putRule($0) })
            try await store.commit([.putRule(updated)])
            store.close()
            #expect(try recoverAfterRestart(directory).rules == [updated, rules[1], rules[2]])
        }
    }

    @Test("Targets keep their creation order when replaced; deleteTarget removes one")
    func targets() async throws {
        try await withTemporaryDirectory { directory in
            let store = try openStore(directory)
            let keys = ["t1", "t2", "t3"].map { target("orders", "r1", $0) }
            try await store.commit(keys.map { .putTarget($0, json: #"{"Id":"\#($0.targetId)"}"#) })
            try await store.commit([.putTarget(keys[0], json: #"{"Id":"t1","Input":"{}"}"#), .deleteTarget(keys[1])])
            store.close()
            #expect(
                try recoverAfterRestart(directory).targets == [
                    RecoveredTarget(key: keys[0], json: #"{"Id":"t1","Input":"{}"}"#),
                    RecoveredTarget(key: keys[2], json: #"{"Id":"t3"}"#),
                ]
            )
        }
    }

    @Test("deleteBus takes the bus's rules and targets; deleteRule takes the rule's targets")
    func cascades() async throws {
        try await withTemporaryDirectory { directory in
            let store = try openStore(directory)
            var changes: [StoreChange] = []
            for bus in ["x", "y"] {
                changes.append(.putBus(StoredBus(name: bus, arn: "arn:\(bus)", description: nil, createdAt: t0)))
                for rule in ["r1", "r2"] {
                    changes.append(.putRule(StoredRule(busName: bus, name: rule, arn: "arn", eventPattern: nil, state: "ENABLED", description: nil)))
                    changes.append(.putTarget(target(bus, rule, "t"), json: "{}"))
                }
            }
            try await store.commit(changes)
            try await store.commit([.deleteBus(name: "x"), .deleteRule(bus: "y", name: "r1")])
            store.close()
            let state = try recoverAfterRestart(directory)
            #expect(state.buses.map(\.name) == ["y"])
            #expect(state.rules.map { "\($0.busName)/\($0.name)" } == ["y/r2"])
            #expect(state.targets.map(\.key) == [target("y", "r2", "t")])
        }
    }

    @Test("Messages: accept, reschedule (attempts and due time), delivered; an event goes with its last message")
    func messages() async throws {
        try await withTemporaryDirectory { directory in
            let store = try openStore(directory)
            let a = target("orders", "r1", "a")
            let b = target("orders", "r1", "b")
            let e1 = event("e1")
            let e2 = event("e2")
            let attempts = [failedAttempt(1), failedAttempt(2, retryAfter: Timestamp(milliseconds: t0.milliseconds + 9_000))]
            let due = Timestamp(milliseconds: t0.milliseconds + 10_000)
            try await store.commit([
                .accept(e1, messages: [message(a, routingKey: "room-1"), message(b)]),
                .accept(e2, messages: [message(a, at: 5)]),
            ])
            try await store.commit([
                .reschedule(MessageKey(eventId: "e1", target: a), attempts: attempts, dueAt: due),
                .reschedule(MessageKey(eventId: "gone", target: a), attempts: attempts, dueAt: due),  // no row: nothing
                .delivered(MessageKey(eventId: "e2", target: a)),
            ])
            store.close()

            var state = try recoverAfterRestart(directory)
            #expect(
                state.messages == [
                    RecoveredMessage(event: e1, message: message(a, routingKey: "room-1"), attempts: attempts, dueAt: due),
                    RecoveredMessage(event: e1, message: message(b), attempts: [], dueAt: nil),
                ]
            )

            // The second message of e1 keeps the event; the last one takes it.
            let reopened = try openStore(directory)
            #expect(try reopened.rowCount(of: "events") == 1)
            try await reopened.commit([.delivered(MessageKey(eventId: "e1", target: a))])
            #expect(try reopened.rowCount(of: "events") == 1)
            try await reopened.commit([.reschedule(MessageKey(eventId: "e1", target: b), attempts: [], dueAt: nil)])
            state = try reopened.recover()
            #expect(state.messages == [RecoveredMessage(event: e1, message: message(b), attempts: [], dueAt: nil)])
            try await reopened.commit([.delivered(MessageKey(eventId: "e1", target: b))])
            #expect(try reopened.rowCount(of: "events") == 0)
            #expect(try reopened.rowCount(of: "messages") == 0)
            reopened.close()
            #expect(try recoverAfterRestart(directory).messages.isEmpty)
        }
    }

    @Test("Accepting a message key again replaces the message; acceptance order holds across events")
    func acceptReplaces() async throws {
        try await withTemporaryDirectory { directory in
            let store = try openStore(directory)
            let a = target()
            try await store.commit([.accept(event("e1"), messages: [message(a, routingKey: "old")])])
            try await store.commit([.accept(event("e2"), messages: [message(a)])])
            var newer = event("e1")
            newer.json = #"{"id":"e1","replayed":true}"#
            try await store.commit([.accept(newer, messages: [message(a, at: 1, routingKey: "new")])])
            try await store.commit([.accept(event("e3"), messages: [])])  // nothing to deliver: nothing kept
            store.close()
            let state = try recoverAfterRestart(directory)
            #expect(state.messages.map(\.event.id) == ["e2", "e1"])
            #expect(state.messages.last?.event == newer)
            #expect(state.messages.last?.message.routingKey == "new")
        }
    }

    @Test("deadLettered moves a message to the DLQ in one step; deadLetterRemoved deletes an entry")
    func deadLetters() async throws {
        try await withTemporaryDirectory { directory in
            let store = try openStore(directory)
            let a = target("orders", "r1", "a")
            let b = target("orders", "r1", "b")
            let attempts = [failedAttempt(1), failedAttempt(2)]
            let first = try deadLetter(id: "dl-1", eventId: "e1", target: a, attempts: attempts)
            let second = try deadLetter(id: "dl-2", eventId: "e1", target: b, attempts: [])
            let third = try deadLetter(id: "dl-3", eventId: "e2", target: a, attempts: attempts)
            try await store.commit([
                .accept(event("e1"), messages: [message(a), message(b)]),
                .accept(event("e2"), messages: [message(a)]),
            ])
            try await store.commit([.deadLettered(first)])
            store.close()

            var state = try recoverAfterRestart(directory)
            #expect(state.deadLetters == [first])
            #expect(state.messages.map(\.message.target) == [b, a])
            #expect(state.messages.map(\.event.id) == ["e1", "e2"])

            let reopened = try openStore(directory)
            try await reopened.commit([.deadLettered(second), .deadLettered(third), .deadLetterRemoved(id: "dl-1")])
            #expect(try reopened.rowCount(of: "events") == 0)
            reopened.close()
            state = try recoverAfterRestart(directory)
            #expect(state.deadLetters == [second, third])
            #expect(state.messages.isEmpty)
        }
    }

    @Test("A new store recovers nothing")
    func empty() async throws {
        try await withTemporaryDirectory { directory in
            let state = try recoverAfterRestart(directory)
            #expect(state == .empty)
        }
    }
}
