import PushBridgeCore
import PushBridgeJSON
import Synchronization
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

@Suite("EventIngest rate limit")
struct EventIngestRateLimitTests {
    private func entry(_ detailType: String = "Entity Updated") -> PutEventsEntry {
        PutEventsEntry(source: "CLI", detailType: detailType, detail: #"{"entityId":"e1"}"#)
    }

    @Test("Entries past what the rate admits fail with ThrottlingException, in place, after the ones it admits")
    func partial() async throws {
        let ingest = EventIngest(validator: PutEventsValidator(), router: makeRouter(deliverer: FakeDeliverer()))
        let entries = (0..<10).map { $0 == 1 ? PutEventsEntry() : entry() }
        let asked = Mutex<[Int]>([])
        let response = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<EventIngest.Response, any Error>) in
            do {
                try ingest.putEvents(
                    PutEventsRequest(entries: entries),
                    admit: { count in
                        asked.withLock { $0.append(count) }
                        return 4
                    },
                    completion: { continuation.resume(returning: $0) }
                )
            } catch {
                continuation.resume(throwing: error)
            }
        }
        #expect(asked.withLock { $0 } == [10])
        #expect(response.entries.count == 10)
        #expect(response.entries[1] == .missingSource, "an admitted entry is still validated")
        #expect(response.entries[0..<4].filter(\.isFailure).count == 1)
        #expect(response.entries[4...].allSatisfy { $0 == .failed(code: "ThrottlingException", message: "Rate exceeded") })
        #expect(response.failedEntryCount == 7)
    }

    @Test("A request refused as a whole asks the rate for nothing")
    func wholeRequest() {
        let ingest = EventIngest(validator: PutEventsValidator(), router: makeRouter(deliverer: FakeDeliverer()))
        let asked = Mutex(false)
        #expect(throws: AWSServiceError.self) {
            try ingest.putEvents(
                PutEventsRequest(entries: Array(repeating: entry(), count: 11)),
                admit: { count in
                    asked.withLock { $0 = true }
                    return count
                },
                completion: { _ in }
            )
        }
        #expect(!asked.withLock { $0 })
    }
}
