import PushBridgeCore
import PushBridgeJSON
import Testing

@Suite("EventRouter.redrive")
struct RedriveTests {
    @Test("A dead letter redriven to its target is delivered and leaves the DLQ")
    func redrive() async throws {
        let deliverer = FakeDeliverer(failures: 1, failure: nonRetryable)
        let deadLetters = InMemoryDeadLetterStore()
        let workers = DeliveryWorkers()
        let router = makeRouter(deliverer: deliverer, deadLetters: deadLetters, workers: workers)
        let running = Task { try await workers.run() }
        defer { running.cancel() }
        try DefaultRouting.install(into: router)

        let event = makeEvent(detail: ["entityId": "e1", "message": "hi"], ingestedAt: t0)
        #expect(router.publish(event) == .accepted)
        #expect(await eventually { deadLetters.count == 1 })
        let entry = try #require(deadLetters.list(.all).first)
        #expect(entry.errorCode == "NO_PERMISSIONS")
        #expect(entry.eventId == event.id)
        #expect(deliverer.delivered.isEmpty)

        try await router.redrive(entry)
        #expect(deadLetters.entry(id: entry.id) == nil)
        #expect(await eventually { deliverer.delivered.count == 1 })
        let delivered = try #require(deliverer.delivered.first)
        #expect(delivered.event.id == event.id)
        #expect(delivered.input == #"{"type":"Entity Updated","entityId":"e1","message":"hi"}"#)
        #expect(delivered.routingKey == "e1")
        #expect(deliverer.callCount == 2)
        #expect(deadLetters.count == 0)
    }

    @Test("Redriving to a target that no longer exists fails and keeps the dead letter")
    func missingTarget() async throws {
        let deadLetters = InMemoryDeadLetterStore()
        let router = makeRouter(deliverer: FakeDeliverer(), deadLetters: deadLetters)
        let entry = makeDeadLetter(id: "orphan", target: TargetKey(busName: "default", ruleName: "Gone", targetId: "T"))
        deadLetters.add(entry)
        let error = await #expect(throws: AWSServiceError.self) { try await router.redrive(entry) }
        #expect(error?.code == "ResourceNotFoundException")
        #expect(deadLetters.entry(id: "orphan") != nil)
    }
}
