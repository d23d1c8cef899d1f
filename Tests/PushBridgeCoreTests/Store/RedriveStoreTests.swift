import PushBridgeCore
import Testing

@Suite("EventRouter.redrive with a durable store")
struct RedriveStoreTests {
    /// A router with `testTarget`, a webhook (no worker runs), and one of its dead letters; the store's log starts
    /// after that.
    private func setUp(
        store: RecordingEventStore,
        arn: String = "https://hooks.example/redrive"
    ) throws -> (router: EventRouter, deadLetters: InMemoryDeadLetterStore, entry: DeadLetterEntry) {
        let deadLetters = InMemoryDeadLetterStore(clock: WallClock { t0 }, store: store)
        let router = makeRouter(store: store, deadLetters: deadLetters)
        try router.putRule(name: testTarget.ruleName, bus: testTarget.busName, eventPattern: nil, state: nil, description: nil)
        let target = TargetDefinition(id: testTarget.targetId, arn: arn)
        #expect(try router.putTargets(rule: testTarget.ruleName, bus: testTarget.busName, targets: [target]).isEmpty)
        let entry = makeDeadLetter(id: "dl-1", eventId: "e1")
        deadLetters.add(entry)
        store.clearChanges()
        return (router, deadLetters, entry)
    }

    private func depth(_ router: EventRouter) -> Int { router.queue(for: testTarget)?.snapshot.depth ?? -1 }

    @Test("Redrive commits the message before queueing it, then takes the dead letter out")
    func commitsFirst() async throws {
        let store = RecordingEventStore()
        let (router, deadLetters, entry) = try setUp(store: store)
        store.holdCompletions()

        let redrive = Task { try await router.redrive(entry) }
        // Polls the redrive task, not a worker: it submits from its own thread.
        #expect(await eventually { store.heldCount == 1 })
        #expect(depth(router) == 0, "not queued before the commit")
        #expect(deadLetters.entry(id: entry.id) != nil, "still in the DLQ before the commit")

        store.release()
        try await redrive.value
        #expect(depth(router) == 1)
        #expect(deadLetters.entry(id: entry.id) == nil)
        #expect(store.changes.map(\.summary) == ["accept e1 -> \(testTarget)", "deadLetterRemoved dl-1"])
        let (event, messages) = try #require(store.changes.first?.accepted)
        #expect(event.json == entry.event)
        #expect(messages.map(\.ingestedAt) == [t0], "a redriven message's age counts from the redrive")
    }

    @Test("A failed commit fails the redrive with InternalException; the dead letter stays and nothing is queued")
    func failedCommit() async throws {
        let store = RecordingEventStore()
        let (router, deadLetters, entry) = try setUp(store: store)
        store.failNext()

        let error = await #expect(throws: AWSServiceError.self) { try await router.redrive(entry) }
        #expect(error?.code == "InternalException")
        #expect(error?.message.contains("disk full") == true)
        #expect(depth(router) == 0)
        #expect(deadLetters.entry(id: entry.id) != nil)
        #expect(store.changes.compactMap(\.removedDeadLetterId).isEmpty)
    }

    @Test("Redriving to the WebSocket subscribers records no message (sockets do not outlive the process), only the entry's removal")
    func webSocketTarget() async throws {
        let store = RecordingEventStore()
        let (router, deadLetters, entry) = try setUp(store: store, arn: testAccount.webSocketTargetArn)
        try await router.redrive(entry)
        #expect(depth(router) == 1)
        #expect(deadLetters.entry(id: entry.id) == nil)
        #expect(store.changes.map(\.summary) == ["deadLetterRemoved dl-1"])
    }
}
