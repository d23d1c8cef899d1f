import PushBridgeCore
import PushBridgeJSON
import Testing

@Suite("EventIngest")
struct EventIngestTests {
    private func entry(detailType: String = "Entity Updated", bus: String? = nil) -> PutEventsEntry {
        PutEventsEntry(source: "CLI", detailType: detailType, detail: #"{"entityId":"e1"}"#, eventBusName: bus)
    }

    @Test("Accepted entries get lower-case UUID event ids, failures keep their place")
    func positional() async throws {
        let ingest = EventIngest(validator: PutEventsValidator(), router: makeRouter(deliverer: FakeDeliverer()))
        let response = try await ingest.putEvents(PutEventsRequest(entries: [entry(), PutEventsEntry(), entry(detailType: "Other")]))
        #expect(response.entries.count == 3)
        #expect(response.failedEntryCount == 1)
        #expect(response.entries[1] == .missingSource)
        for index in [0, 2] {
            guard case .accepted(let id) = response.entries[index] else {
                Issue.record("entry \(index) was not accepted")
                continue
            }
            #expect(id.count == 36)
            #expect(id == id.lowercased())
        }
        #expect(response.entries[0] != response.entries[2])
    }

    @Test("An unknown bus fails the entry; a bus ARN names the bus")
    func buses() async throws {
        let ingest = EventIngest(validator: PutEventsValidator(), router: makeRouter(deliverer: FakeDeliverer()))
        let response = try await ingest.putEvents(
            PutEventsRequest(entries: [entry(bus: "nope"), entry(bus: "arn:aws:events:us-east-1:123456789012:event-bus/default"), entry(bus: "")])
        )
        #expect(
            response.entries[0]
                == .failed(code: "InvalidArgument", message: "Parameter EventBusName is not valid. Reason: Event bus nope does not exist.")
        )
        #expect(!response.entries[1].isFailure)
        #expect(!response.entries[2].isFailure)
    }

    @Test("Whole-request errors propagate")
    func wholeRequest() async {
        let ingest = EventIngest(validator: PutEventsValidator(), router: makeRouter(deliverer: FakeDeliverer()))
        await #expect(throws: AWSServiceError.self) { try await ingest.putEvents(PutEventsRequest(entries: [])) }
    }
}
