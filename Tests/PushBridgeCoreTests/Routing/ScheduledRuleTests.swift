import PushBridgeCore
import PushBridgeJSON
import Testing

/// Rules with a ScheduleExpression in the router: where they may be, and what a firing sends to whom.
@Suite("Scheduled rules")
struct ScheduledRuleTests {
    private let target =
        #"{"Id":"t","Arn":"arn:pushbridge:websocket:us-east-1:123456789012:subscribers/*","HttpParameters":{"PathParameterValues":["ticks"]}}"#

    private func addTarget(_ router: EventRouter, rule: String) throws {
        let definition = try TargetDefinition(json: try JSONParser.parse(target))
        #expect(try router.putTargets(rule: rule, bus: "default", targets: [definition]).isEmpty)
    }

    @Test("PutRule keeps a valid schedule on the default bus; the scheduler sees it while the rule is enabled")
    func kept() throws {
        let router = makeRouter(deliverer: FakeDeliverer())
        let rule = try router.putRule(
            name: "tick",
            bus: "default",
            eventPattern: nil,
            scheduleExpression: "rate(5 minutes)",
            state: nil,
            description: nil
        )
        #expect(rule.scheduleExpression == "rate(5 minutes)")
        #expect(rule.eventPattern == nil)
        let key = ScheduleTimetable.RuleKey(busName: "default", ruleName: "tick")
        #expect(router.scheduledRules() == [key: .rate(minutes: 5)])
        try router.setRuleState("tick", bus: "default", to: .disabled)
        #expect(router.scheduledRules().isEmpty)
        try router.setRuleState("tick", bus: "default", to: .enabled)
        // PutRule without a schedule turns it into a rule that only matches events.
        try router.putRule(name: "tick", bus: "default", eventPattern: #"{"source":["x"]}"#, state: nil, description: nil)
        #expect(router.scheduledRules().isEmpty)
    }

    @Test("AWS's refusals: an invalid expression, a schedule on a custom bus")
    func refused() throws {
        let router = makeRouter(deliverer: FakeDeliverer())
        _ = try router.createBus("orders", description: nil)
        #expect(throws: AWSServiceError.validation("Parameter ScheduleExpression is not valid.")) {
            try router.putRule(name: "r", bus: "default", eventPattern: nil, scheduleExpression: "rate(1 minutes)", state: nil, description: nil)
        }
        #expect(throws: AWSServiceError.validation("ScheduleExpression is supported only on the default event bus.")) {
            try router.putRule(name: "r", bus: "orders", eventPattern: nil, scheduleExpression: "rate(1 minute)", state: nil, description: nil)
        }
        #expect(router.rule("r", bus: "default") == nil)
        #expect(router.rule("r", bus: "orders") == nil)
    }

    @Test("A firing sends AWS's Scheduled Event to the rule's own targets only, not onto the bus")
    func firing() async throws {
        let deliverer = FakeDeliverer()
        let workers = DeliveryWorkers()
        let router = makeRouter(deliverer: deliverer, workers: workers)
        let running = Task { try await workers.run() }
        defer { running.cancel() }
        let rule = try router.putRule(
            name: "tick",
            bus: "default",
            eventPattern: nil,
            scheduleExpression: "rate(1 minute)",
            state: nil,
            description: nil
        )
        try addTarget(router, rule: "tick")
        // A rule that would match the scheduled event if it were put on the bus.
        try router.putRule(name: "watcher", bus: "default", eventPattern: #"{"source":["aws.events"]}"#, state: nil, description: nil)
        try addTarget(router, rule: "watcher")

        let time = Timestamp(rfc3339: "2026-12-07T10:16:00Z")!
        let firing = ScheduleTimetable.Firing(rule: .init(busName: "default", ruleName: "tick"), time: time)
        #expect(await router.fire(firing) == .fired(targets: 1))
        #expect(await eventually { deliverer.delivered.count == 1 })
        let message = try #require(deliverer.delivered.first)
        #expect(message.target == TargetKey(busName: "default", ruleName: "tick", targetId: "t"))
        #expect(message.routingKey == "ticks")
        let event = message.event
        #expect(event.source == "aws.events")
        #expect(event.detailType == "Scheduled Event")
        #expect(event.resources == [rule.arn])
        #expect(event.detail == .object(JSONObject()))
        #expect(event.account == "123456789012")
        #expect(event.region == "us-east-1")
        #expect(event.json["time"]?.stringValue == "2026-12-07T10:16:00Z")
        try await Task.sleep(for: .milliseconds(50))
        #expect(deliverer.delivered.count == 1)
    }

    @Test("A firing of a disabled, deleted or no longer scheduled rule sends nothing")
    func skipped() async throws {
        let deliverer = FakeDeliverer()
        let router = makeRouter(deliverer: deliverer)
        try router.putRule(name: "tick", bus: "default", eventPattern: nil, scheduleExpression: "rate(1 minute)", state: .disabled, description: nil)
        try addTarget(router, rule: "tick")
        let firing = ScheduleTimetable.Firing(rule: .init(busName: "default", ruleName: "tick"), time: t0)
        #expect(await router.fire(firing) == .skipped)
        try router.putRule(name: "tick", bus: "default", eventPattern: #"{"source":["x"]}"#, state: .enabled, description: nil)
        #expect(await router.fire(firing) == .skipped)
        #expect(await router.fire(.init(rule: .init(busName: "default", ruleName: "gone"), time: t0)) == .skipped)
        #expect(deliverer.callCount == 0)
    }
}
