import FuzzSupport
import Logging
import PushBridgeCore
import PushBridgeJSON
import Synchronization

// Why: PutEvents bodies come from any client; decoding and validation must answer every entry in place, never trap.
//
// Input: a PutEvents request body (`{"Entries":[…]}`), ingested into a router whose rules have no targets.
// Properties checked besides "no crash":
// - decoding fails only with SerializationException, the whole request only with ValidationException and only
//   for AWS's reasons (no entries, more than 10, total size over the limit);
// - every entry is answered in its place: the validator's error, or an event id (a bus that does not exist: InvalidArgument);
// - a Time accepted as text is RFC 3339; a valid entry's time (years 1-9999) formats as RFC 3339 that parses back
//   to the same second; its event's JSON round-trips.
@main
enum FuzzPutEvents {
    static let router: EventRouter = {
        let router = EventRouter(
            account: AccountContext(),
            queueCapacity: 16,
            delivererFactory: NoTargets(),
            deadLetters: InMemoryDeadLetterStore(maximumEntries: 16),
            workers: DeliveryWorkers(),
            logger: Logger(label: "fuzz")
        )
        let patterns = [
            DefaultRouting.eventPattern,
            #"{"source":[{"prefix":"com."}],"detail":{"n":[{"numeric":[">",0,"<=",100]}]}}"#,
            #"{"detail":{"entityId":[{"exists":true}],"message":[{"anything-but":{"prefix":"x"}}]}}"#,
            #"{"resources":[{"wildcard":"arn:*:order/*"}],"$or":[{"detail-type":["a"]},{"detail":{"ip":[{"cidr":"10.0.0.0/8"}]}}]}"#,
        ]
        _ = try! router.createBus(otherBus, description: nil)
        for (index, pattern) in patterns.enumerated() {
            for bus in [AccountContext.defaultBusName, otherBus] {
                try! router.putRule(name: "rule\(index)", bus: bus, eventPattern: pattern, state: .enabled, description: nil)
            }
        }
        return router
    }()
    static let otherBus = "fuzz-bus"
    static let ingest = EventIngest(validator: PutEventsValidator(), router: router)

    static func main() {
        _ = ingest  // built before fuzzing: its one-time allocations are not the first input's
        Fuzz.run { data in
            guard let json = try? JSONParser.parse(Array(data)) else { return }
            let request: PutEventsRequest
            do throws(AWSServiceError) {
                request = try PutEventsRequest(json: json)
            } catch {
                return Fuzz.require(error.code == "SerializationException", "decoding failed with \(error)")
            }
            let total = request.entries.reduce(0) { $0 + PutEventsValidator.entrySize($1) }
            let response: EventIngest.Response
            do throws(AWSServiceError) {
                // In memory the answer comes before putEvents returns.
                let answer = Mutex<EventIngest.Response?>(nil)
                try ingest.putEvents(request) { response in answer.withLock { $0 = response } }
                guard let answered = answer.withLock({ $0 }) else { return Fuzz.require(false, "no answer before putEvents returned") }
                response = answered
            } catch {
                let count = request.entries.count
                return Fuzz.require(
                    error.code == "ValidationException" && (count == 0 || count > 10 || total >= ingest.validator.maximumRequestSize),
                    "request refused with \(error) (\(count) entries, \(total) bytes)"
                )
            }
            Fuzz.require(response.entries.count == request.entries.count, "\(response.entries.count) results for \(request.entries.count) entries")
            for (entry, result) in zip(request.entries, response.entries) {
                check(entry, result)
            }
        }
    }

    static func check(_ entry: PutEventsEntry, _ result: PutEventsResultEntry) {
        let valid: PutEventsValidator.ValidEntry
        switch ingest.validator.validate(entry: entry) {
        case .failure(let error): return Fuzz.require(result == error.result, "\(result) instead of \(error.result)")
        case .success(let entry): valid = entry
        }
        let bus = AccountContext.busName(from: entry.eventBusName)
        switch result {
        case .accepted(let id):
            Fuzz.require(bus == AccountContext.defaultBusName || bus == otherBus, "accepted onto unknown bus \(bus)")
            Fuzz.require(id.utf8.count == 36, "event id \(id)")
        case .failed(let code, let message):
            Fuzz.require(code == "InvalidArgument" && message.contains("does not exist"), "valid entry failed: \(code) \(message)")
        }
        if case .text(let text)? = entry.time {
            Fuzz.require(RFC3339.isValid(text), "Time \(text.debugDescription) accepted, but it is not RFC 3339", id: "rfc3339-strict")
        }
        // Years 0001-9999, which RFC 3339 can write (an offset can move a valid text just outside them).
        if let time = valid.time, (-62_135_596_800_000...253_402_300_799_999).contains(time.milliseconds) {
            let text = time.rfc3339Seconds
            let second = Timestamp(milliseconds: time.milliseconds - ((time.milliseconds % 1000) + 1000) % 1000)
            Fuzz.require(
                Timestamp(rfc3339: text) == second,
                "time \(time.milliseconds) ms formats as \(text), which parses differently",
                id: "time-round-trip"
            )
        }
        let event = Event(
            id: "00000000-0000-0000-0000-000000000000",
            source: entry.source ?? "",
            detailType: entry.detailType ?? "",
            account: "000000000000",
            region: "us-east-1",
            time: valid.time ?? Timestamp(milliseconds: 0),
            resources: entry.resources,
            detail: valid.detail,
            eventBusName: bus,
            ingestedAt: Timestamp(milliseconds: 0)
        )
        let reparsed = try? JSONParser.parse(event.jsonText)
        Fuzz.require(reparsed == event.json && reparsed?.jsonText == event.jsonText, "event JSON does not round-trip: \(event.jsonText)")
    }
}

/// Rules here have no targets; nothing asks for a deliverer.
struct NoTargets: TargetDelivererFactory {
    func deliverer(for target: TargetDefinition, rule: RuleDefinition) throws(TargetRejection) -> any TargetDeliverer {
        throw TargetRejection(errorCode: "ValidationException", errorMessage: "no targets while fuzzing")
    }
}
