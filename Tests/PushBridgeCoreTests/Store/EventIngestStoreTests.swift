import PushBridgeCore
import PushBridgeJSON
import Testing

@Suite("EventIngest with a durable store")
struct EventIngestStoreTests {
    static let ruleName = "EntityUpdated"
    static let subscribers = TargetKey(busName: "default", ruleName: ruleName, targetId: "Subscribers")
    static let hook = TargetKey(busName: "default", ruleName: ruleName, targetId: "Hook")

    /// Entity Updated events go to two targets; the store's log starts empty after that set-up.
    private func makeIngest(
        store: RecordingEventStore,
        deliverer: any TargetDeliverer = FakeDeliverer(),
        workers: DeliveryWorkers = DeliveryWorkers(),
        queueCapacity: Int = 100
    ) throws -> (ingest: EventIngest, router: EventRouter) {
        let router = makeRouter(store: store, deliverer: deliverer, workers: workers, queueCapacity: queueCapacity)
        try router.putRule(name: Self.ruleName, bus: "default", eventPattern: #"{"detail-type":["Entity Updated"]}"#, state: nil, description: nil)
        let targets = [
            TargetDefinition(id: "Subscribers", arn: testAccount.webSocketTargetArn, pathParameterValues: ["$.detail.entityId"]),
            TargetDefinition(id: "Hook", arn: "https://hooks.example.com/entities"),
        ]
        #expect(try router.putTargets(rule: Self.ruleName, bus: "default", targets: targets).isEmpty)
        store.clearChanges()
        return (EventIngest(validator: PutEventsValidator(), router: router), router)
    }

    private func entry(entityId: String = "e1", detailType: String = "Entity Updated", bus: String? = nil) -> PutEventsEntry {
        PutEventsEntry(source: "CLI", detailType: detailType, detail: #"{"entityId":"\#(entityId)"}"#, eventBusName: bus)
    }

    private func depth(_ router: EventRouter, _ key: TargetKey) -> Int { router.queue(for: key)?.snapshot.depth ?? -1 }

    private func totalDepth(_ router: EventRouter) -> Int { router.queues().reduce(0) { $0 + $1.snapshot.depth } }

    private func eventIds(_ response: EventIngest.Response) -> [String?] {
        response.entries.map { entry in
            guard case .accepted(let id) = entry else { return nil }
            return id
        }
    }

    // MARK: Waiting for the commit

    @Test("PutEvents answers and queues only once the accepted entries are committed")
    func waitsForCommit() throws {
        let store = RecordingEventStore()
        let (ingest, router) = try makeIngest(store: store)
        store.holdCompletions()
        let responses = Recorder<EventIngest.Response>()

        try ingest.putEvents(PutEventsRequest(entries: [entry(entityId: "e1"), entry(entityId: "e2")])) { responses.append($0) }
        #expect(responses.all.isEmpty, "no answer before the commit")
        #expect(totalDepth(router) == 0, "nothing queued before the commit")
        #expect(store.submissionCount == 1, "one submission for the whole request")
        #expect(store.heldCount == 1)
        let accepted = store.changes.compactMap(\.accepted)
        #expect(accepted.count == 2)

        store.release()
        let response = try #require(responses.all.first)
        #expect(responses.all.count == 1)
        #expect(response.failedEntryCount == 0)
        #expect(eventIds(response) == accepted.map(\.event.id), "the ids answered are the ids committed, in order")
        #expect(depth(router, Self.subscribers) == 2)
        #expect(depth(router, Self.hook) == 2)
    }

    @Test("The async PutEvents returns only after the commit")
    func asyncWaitsForCommit() async throws {
        let store = RecordingEventStore()
        let (ingest, router) = try makeIngest(store: store)
        store.holdCompletions()
        let finished = Recorder<Bool>()

        let request = Task {
            defer { finished.append(true) }
            return try await ingest.putEvents(PutEventsRequest(entries: [entry()]))
        }
        // Polls the request task, not a worker: it submits from its own thread.
        #expect(await eventually { store.heldCount == 1 })
        #expect(finished.all.isEmpty)
        #expect(totalDepth(router) == 0)

        store.release()
        let response = try await request.value
        #expect(response.failedEntryCount == 0)
        #expect(eventIds(response) == store.changes.compactMap(\.accepted).map(\.event.id))
        #expect(depth(router, Self.subscribers) == 1)
        #expect(depth(router, Self.hook) == 1)
    }

    @Test("Entries no target takes are answered at once, without a commit")
    func nothingToRecord() throws {
        let store = RecordingEventStore()
        let (ingest, router) = try makeIngest(store: store)
        store.holdCompletions()
        let responses = Recorder<EventIngest.Response>()

        try ingest.putEvents(PutEventsRequest(entries: [entry(detailType: "Other"), PutEventsEntry()])) { responses.append($0) }
        let response = try #require(responses.all.first)
        #expect(response.entries.count == 2)
        #expect(!response.entries[0].isFailure)
        #expect(response.entries[1] == .missingSource)
        #expect(store.submissionCount == 0)
        #expect(totalDepth(router) == 0)
    }

    // MARK: A failed commit

    @Test("A failed commit fails every entry that would have been accepted, keeps the validator's failures, and queues nothing")
    func failedCommit() async throws {
        let store = RecordingEventStore()
        let deadLetters = InMemoryDeadLetterStore()
        let router = makeRouter(store: store, deadLetters: deadLetters)
        try router.putRule(name: Self.ruleName, bus: "default", eventPattern: #"{"detail-type":["Entity Updated"]}"#, state: nil, description: nil)
        _ = try router.putTargets(rule: Self.ruleName, bus: "default", targets: [TargetDefinition(id: "Hook", arn: "https://hooks.example.com/e")])
        let ingest = EventIngest(validator: PutEventsValidator(), router: router)
        store.clearChanges()
        store.failNext()

        let response = try await ingest.putEvents(
            PutEventsRequest(entries: [
                entry(entityId: "e1"), PutEventsEntry(), entry(bus: "nope"), entry(detailType: "Other"), entry(entityId: "e2"),
                PutEventsEntry(source: "CLI", detailType: "Entity Updated", detail: "[1]"),
            ])
        )

        #expect(response.entries.count == 6)
        #expect(response.failedEntryCount == 6)
        for index in [0, 3, 4] {
            guard case .failed(let code, let message) = response.entries[index] else {
                Issue.record("entry \(index) should have failed")
                continue
            }
            #expect(code == "InternalException")
            #expect(message.contains("disk full"), "the store's reason is passed on")
        }
        #expect(response.entries[1] == .missingSource)
        #expect(
            response.entries[2]
                == .failed(code: "InvalidArgument", message: "Parameter EventBusName is not valid. Reason: Event bus nope does not exist.")
        )
        #expect(response.entries[5] == .malformedDetail)
        #expect(totalDepth(router) == 0)
        #expect(deadLetters.count == 0, "refused, not dead-lettered")
        #expect(store.changes.compactMap(\.accepted).count == 2, "only the two matching entries were submitted")

        // The store recovers; the next request goes through.
        let next = try await ingest.putEvents(PutEventsRequest(entries: [entry(entityId: "e3")]))
        #expect(next.failedEntryCount == 0)
        #expect(totalDepth(router) == 1)
    }

    @Test("A failed commit answers through the completion as well, once")
    func failedCommitCompletion() throws {
        let store = RecordingEventStore()
        let (ingest, router) = try makeIngest(store: store)
        store.failNext()
        let responses = Recorder<EventIngest.Response>()
        try ingest.putEvents(PutEventsRequest(entries: [entry()])) { responses.append($0) }
        #expect(responses.all.count == 1)
        #expect(responses.all.first?.entries.first.map(Self.code) == "InternalException")
        #expect(totalDepth(router) == 0)
    }

    private static func code(_ entry: PutEventsResultEntry) -> String? {
        guard case .failed(let code, _) = entry else { return nil }
        return code
    }

    // MARK: What is recorded

    @Test("The accept change carries the event id, bus and JSON, and one message per matching target with its ingest time")
    func acceptChange() async throws {
        let store = RecordingEventStore()
        let (ingest, _) = try makeIngest(store: store)

        let response = try await ingest.putEvents(PutEventsRequest(entries: [entry(entityId: "e1")]))
        let eventId = try #require(eventIds(response).first ?? nil)
        #expect(store.changes.count == 1)
        let (event, messages) = try #require(store.changes.first?.accepted)
        #expect(event.id == eventId)
        #expect(event.busName == "default")

        let json = try JSONParser.parse(event.json)
        #expect(json["id"]?.stringValue == eventId)
        #expect(json["source"]?.stringValue == "CLI")
        #expect(json["detail-type"]?.stringValue == "Entity Updated")
        #expect(json["account"]?.stringValue == testAccount.accountId)
        #expect(json["region"]?.stringValue == testAccount.region)
        #expect(json["time"]?.stringValue == t0.rfc3339Seconds)
        #expect(json["detail"]?["entityId"]?.stringValue == "e1")

        // The WebSocket subscribers' message is not kept: sockets do not outlive the process.
        #expect(messages == [StoredMessage(target: Self.hook, ingestedAt: t0, routingKey: "e1")])
    }

    @Test("Committed messages are delivered with the JSON the store recorded, and their delivery is recorded")
    func deliveredAfterCommit() async throws {
        let store = RecordingEventStore()
        let deliverer = FakeDeliverer()
        let workers = DeliveryWorkers()
        let running = Task { try await workers.run() }
        defer { running.cancel() }
        let (ingest, _) = try makeIngest(store: store, deliverer: deliverer, workers: workers)

        let response = try await ingest.putEvents(PutEventsRequest(entries: [entry(entityId: "e1")]))
        let eventId = try #require(eventIds(response).first ?? nil)
        #expect(await eventually { deliverer.delivered.count == 2 && store.changes.count == 2 })
        let (stored, _) = try #require(store.changes.first?.accepted)
        #expect(deliverer.delivered.allSatisfy { $0.event.jsonText == stored.json })
        // Only the kept message's delivery is recorded; the subscribers' one was never kept.
        #expect(store.changes.dropFirst().compactMap(\.delivered) == [MessageKey(eventId: eventId, target: Self.hook)])
    }

    @Test("Publish records the accepted event without waiting for the commit; an unmatched event records nothing")
    func publishRecordsWithoutWaiting() throws {
        let store = RecordingEventStore()
        let (_, router) = try makeIngest(store: store)
        store.holdCompletions()

        let event = makeEvent(id: "p1", detail: ["entityId": "e7"])
        #expect(router.publish(event) == .accepted)
        #expect(totalDepth(router) == 2, "queued at once")
        #expect(store.heldCount == 0, "submitted without a completion")
        #expect(store.changes.map(\.summary) == ["accept p1 -> \(Self.hook)"])

        #expect(router.publish(makeEvent(id: "p2", detailType: "Other")) == .accepted)
        #expect(store.changes.count == 1)
    }

    @Test(
        "Places are reserved before the commit: ten entries for the last free place get one EventId and nine ThrottlingExceptions, and none is dead-lettered"
    )
    func placesReservedBeforeTheCommit() async throws {
        let store = RecordingEventStore()
        let deadLetters = InMemoryDeadLetterStore()
        let router = makeRouter(store: store, deadLetters: deadLetters, queueCapacity: 1)
        try router.putRule(name: Self.ruleName, bus: "default", eventPattern: #"{"detail-type":["Entity Updated"]}"#, state: nil, description: nil)
        #expect(
            try router.putTargets(rule: Self.ruleName, bus: "default", targets: [TargetDefinition(id: "Hook", arn: "https://hooks.example.com/h")])
                .isEmpty
        )
        let ingest = EventIngest(validator: PutEventsValidator(), router: router)
        store.holdCompletions()
        let answer = Task { try await ingest.putEvents(PutEventsRequest(entries: (0..<10).map { entry(entityId: "e\($0)") })) }
        #expect(await eventually { store.heldCount == 1 })
        store.release()
        let response = try await answer.value
        #expect(response.entries.filter { !$0.isFailure }.count == 1)
        #expect(response.entries.filter { $0.isFailure }.allSatisfy { if case .failed("ThrottlingException", _) = $0 { true } else { false } })
        #expect(depth(router, Self.hook) == 1)
        #expect(deadLetters.count == 0)
    }

    @Test("A failed commit gives the reserved places back")
    func failedCommitReleasesPlaces() async throws {
        let store = RecordingEventStore()
        let (ingest, router) = try makeIngest(store: store, queueCapacity: 1)
        store.failNext()
        _ = try await ingest.putEvents(PutEventsRequest(entries: [entry()]))
        #expect(router.queue(for: Self.hook)?.freeCapacity == 1)
        let retried = try await ingest.putEvents(PutEventsRequest(entries: [entry()]))
        #expect(retried.failedEntryCount == 0)
    }
}
