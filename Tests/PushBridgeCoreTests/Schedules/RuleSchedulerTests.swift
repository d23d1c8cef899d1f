import Logging
import PushBridgeCore
import PushBridgeJSON
import Synchronization
import Testing

/// The scheduler service on a calendar the test moves: it wakes for a new rule and for the clock, fires each firing
/// once at its time, and leaves a firing to the node that claimed it.
@Suite("RuleScheduler")
struct RuleSchedulerTests {
    /// An in-memory store whose cluster always has another node claim each firing first.
    private struct OtherNodeFirstStore: EventStore {
        var isDurable: Bool { false }
        func recover() throws(EventStoreError) -> RecoveredState { .empty }
        func submit(_ changes: [StoreChange], completion: (@Sendable (Result<Void, EventStoreError>) -> Void)?) { completion?(.success(())) }
        func close() {}
        func claimFiring(ruleArn: String, at time: Timestamp) async throws(EventStoreError) -> Bool { false }
    }

    /// What the scheduler reported, in order.
    private final class Reports: Sendable {
        private let items = Mutex<[(firing: ScheduleTimetable.Firing, outcome: RuleScheduler.Outcome)]>([])
        func append(_ firing: ScheduleTimetable.Firing, _ outcome: RuleScheduler.Outcome) { items.withLock { $0.append((firing, outcome)) } }
        var all: [(firing: ScheduleTimetable.Firing, outcome: RuleScheduler.Outcome)] { items.withLock { $0 } }
    }

    /// A wall clock that moves only when the test moves it.
    private final class ManualClock: Sendable {
        private let now = Mutex(Timestamp(rfc3339: "2026-12-07T10:14:30Z")!)
        var wallClock: WallClock { WallClock { self.now.withLock { $0 } } }
        func advance(seconds: Int64) { now.withLock { $0 = $0.adding(seconds: seconds) } }
    }

    private let target =
        #"{"Id":"t","Arn":"arn:pushbridge:websocket:us-east-1:123456789012:subscribers/*","HttpParameters":{"PathParameterValues":["ticks"]}}"#

    /// Runs the scheduler and the delivery workers, adds a `rate(1 minute)` rule, then moves the clock a minute at a
    /// time (waking the scheduler each time, as a rule change would) until the scheduler reported `firings`.
    /// However late the scheduler first reads the rule, each step passes one firing time.
    private func run(store: any EventStore, firings: Int) async throws -> (FakeDeliverer, Reports) {
        let deliverer = FakeDeliverer()
        let workers = DeliveryWorkers()
        let clock = ManualClock()
        let router = makeRouter(deliverer: deliverer, workers: workers, clock: clock.wallClock, store: store)
        let reports = Reports()
        let scheduler = RuleScheduler(router: router, logger: Logger(label: "test")) { reports.append($0, $1) }
        let running = Task { try await workers.run() }
        let scheduling = Task { try await scheduler.run() }
        defer { running.cancel() }
        try router.putRule(name: "tick", bus: "default", eventPattern: nil, scheduleExpression: "rate(1 minute)", state: nil, description: nil)
        #expect(try router.putTargets(rule: "tick", bus: "default", targets: [TargetDefinition(json: try JSONParser.parse(target))]).isEmpty)
        for _ in 0..<20 where reports.all.count < firings {
            clock.advance(seconds: 60)
            router.scheduleChanges.signal()
            let seen = reports.all.count
            let deadline = ContinuousClock.now + .seconds(5)
            while reports.all.count == seen, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        }
        scheduling.cancel()
        _ = await scheduling.result
        return (deliverer, reports)
    }

    @Test("Each firing is sent once, at a whole minute, with its time as the event's")
    func firesOnTime() async throws {
        let (deliverer, reports) = try await run(store: InMemoryEventStore(), firings: 3)
        let all = reports.all
        #expect(all.count == 3)
        #expect(all.allSatisfy { $0.outcome == .sent(.fired(targets: 1)) })
        #expect(all.allSatisfy { $0.firing.time.milliseconds % 60_000 == 0 })
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.firing.time < $1.firing.time })
        #expect(await eventually { deliverer.delivered.count == 3 })
        let times = deliverer.delivered.map { $0.event.json["time"]?.stringValue }
        #expect(times == all.map { $0.firing.time.rfc3339Seconds })
        #expect(deliverer.delivered.allSatisfy { $0.event.detailType == "Scheduled Event" })
    }

    @Test("A firing another node claimed first is not sent here")
    func otherNodeClaimed() async throws {
        let (deliverer, reports) = try await run(store: OtherNodeFirstStore(), firings: 2)
        #expect(reports.all.map(\.outcome) == [.claimedByOtherNode, .claimedByOtherNode])
        try await Task.sleep(for: .milliseconds(50))
        #expect(deliverer.callCount == 0)
    }
}
