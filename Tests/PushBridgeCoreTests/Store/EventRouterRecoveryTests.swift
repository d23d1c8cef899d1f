import PushBridgeCore
import PushBridgeJSON
import Testing

@Suite("EventRouter.restore and recorded configuration")
struct EventRouterRecoveryTests {
    // MARK: What a store kept

    static let bus = "orders"
    static let pattern = #"{"source":["shop"]}"#
    static let secret = "whsec_c2VjcmV0LWZvci10ZXN0cw=="
    /// Created first, so restore must keep this order rather than sort by name.
    static let zeta = StoredRule(
        busName: bus,
        name: "Zeta",
        arn: testAccount.ruleArn("Zeta", bus: bus),
        eventPattern: pattern,
        state: "ENABLED",
        description: "Shop events"
    )
    static let alpha = StoredRule(
        busName: bus,
        name: "Alpha",
        arn: testAccount.ruleArn("Alpha", bus: bus),
        eventPattern: pattern,
        state: "DISABLED",
        description: nil
    )
    static let subscribers = TargetKey(busName: bus, ruleName: "Zeta", targetId: "Subscribers")
    static let hook = TargetKey(busName: bus, ruleName: "Zeta", targetId: "Hook")
    static let archive = TargetKey(busName: bus, ruleName: "Alpha", targetId: "Archive")

    static let subscribersJSON = """
        {"Id":"Subscribers","Arn":"\(testAccount.webSocketTargetArn)",\
        "HttpParameters":{"PathParameterValues":["$.detail.orderId"]},"RetryPolicy":{"MaximumRetryAttempts":3}}
        """
    static let hookJSON = """
        {"Id":"Hook","Arn":"https://hooks.example.com/orders",\
        "HttpParameters":{"HeaderParameters":{"X-Team":"orders","webhook-secret":"\(secret)"}}}
        """
    static let archiveJSON = #"{"Id":"Archive","Arn":"\#(testAccount.webSocketTargetArn)"}"#

    static func definition(_ json: String, retryDefaults: RetryPolicy = .default) throws -> TargetDefinition {
        try TargetDefinition(json: try JSONParser.parse(json), retryDefaults: retryDefaults)
    }

    static func shopEvent(id: String, orderId: String = "o-1") -> Event {
        makeEvent(id: id, source: "shop", detailType: "Order Placed", detail: ["orderId": .string(orderId)], bus: bus)
    }

    static func stored(_ event: Event) -> StoredEvent { StoredEvent(id: event.id, busName: event.eventBusName, json: event.jsonText) }

    static let failedAttempt = DeliveryAttempt(number: 1, startedAt: t0.adding(seconds: -30), failure: retryable)
    static let due = t0.adding(seconds: 60)

    /// Buses, two rules (one disabled), three targets as PutTargets stored them, and three messages of two events.
    static func recovered(extraMessages: [RecoveredMessage] = []) throws -> RecoveredState {
        let first = shopEvent(id: "e1")
        let second = shopEvent(id: "e2", orderId: "o-2")
        return RecoveredState(
            buses: [StoredBus(name: bus, arn: testAccount.busArn(bus), description: "Orders", createdAt: t0.adding(seconds: -86_400))],
            rules: [zeta, alpha],
            targets: [
                RecoveredTarget(key: subscribers, json: try definition(subscribersJSON).storedJSON),
                RecoveredTarget(key: hook, json: try definition(hookJSON).storedJSON),
                RecoveredTarget(key: archive, json: archiveJSON),
            ],
            messages: [
                RecoveredMessage(
                    event: stored(first),
                    message: StoredMessage(target: subscribers, ingestedAt: t0.adding(seconds: -40), routingKey: "kept-key"),
                    attempts: [failedAttempt],
                    dueAt: due
                ),
                RecoveredMessage(
                    event: stored(first),
                    message: StoredMessage(target: hook, ingestedAt: t0.adding(seconds: -40), routingKey: nil),
                    attempts: [],
                    dueAt: nil
                ),
                RecoveredMessage(
                    event: stored(second),
                    message: StoredMessage(target: archive, ingestedAt: t0.adding(seconds: -20), routingKey: "o-2"),
                    attempts: [],
                    dueAt: nil
                ),
            ] + extraMessages
        )
    }

    static func orphan(eventId: String = "e3", json: String? = nil) -> RecoveredMessage {
        let event = shopEvent(id: eventId)
        return RecoveredMessage(
            event: StoredEvent(id: eventId, busName: bus, json: json ?? event.jsonText),
            message: StoredMessage(
                target: TargetKey(busName: bus, ruleName: "Gone", targetId: "T"),
                ingestedAt: t0.adding(seconds: -10),
                routingKey: nil
            ),
            attempts: [failedAttempt],
            dueAt: due
        )
    }

    // MARK: Restore

    @Test("Restore rebuilds buses and rules in the order given, a disabled rule staying disabled, and records nothing")
    func configuration() throws {
        let store = RecordingEventStore(recovered: try Self.recovered())
        let router = makeRouter(store: store)
        let summary = router.restore(try store.recover(), retryDefaults: .default)

        #expect(summary.buses == 1)
        #expect(summary.rules == 2)
        #expect(summary.targets == 3)
        #expect(summary.refusedTargets.isEmpty)
        #expect(router.busNames() == ["default", Self.bus])
        let bus = try #require(router.bus(named: Self.bus))
        #expect(bus.arn == testAccount.busArn(Self.bus))
        #expect(bus.description == "Orders")
        #expect(bus.createdAt == t0.adding(seconds: -86_400))

        let rules = try router.rules(bus: Self.bus)
        #expect(rules.map(\.name) == ["Zeta", "Alpha"])
        #expect(rules.map(\.state) == [.enabled, .disabled])
        #expect(rules.map(\.eventPattern) == [Self.pattern, Self.pattern])
        #expect(rules.map(\.description) == ["Shop events", nil])
        #expect(rules.map(\.arn) == [Self.zeta.arn, Self.alpha.arn])
        #expect(rules[0].targets.map(\.id) == ["Subscribers", "Hook"])
        #expect(rules[1].targets.map(\.id) == ["Archive"])

        #expect(store.changes.isEmpty, "restore puts back what the store has: recording it again would duplicate it")
        #expect(store.submissionCount == 0)
    }

    @Test("Restored patterns match: a published event reaches the enabled rule's targets, not the disabled one's")
    func patternsMatchAfterRestore() throws {
        let router = makeRouter(store: RecordingEventStore())
        _ = router.restore(try Self.recovered(), retryDefaults: .default)

        let event = Self.shopEvent(id: "new", orderId: "o-9")
        #expect(router.route(event).map(\.target) == [Self.subscribers, Self.hook])
        #expect(router.route(Self.shopEvent(id: "other").withSource("elsewhere")).isEmpty)

        let before = try #require(router.queue(for: Self.subscribers)).snapshot.depth
        #expect(router.publish(event) == .accepted)
        #expect(try #require(router.queue(for: Self.subscribers)).snapshot.depth == before + 1)
        #expect(try #require(router.queue(for: Self.hook)).snapshot.depth == 2)
        #expect(try #require(router.queue(for: Self.archive)).snapshot.depth == 1, "only its restored message")
    }

    @Test("Targets come back from their stored JSON, the webhook secret and the retry defaults included")
    func targetsFromStoredJSON() throws {
        let router = makeRouter(store: RecordingEventStore())
        let defaults = RetryPolicy(maximumRetryAttempts: 7, maximumEventAgeSeconds: 3600)
        _ = router.restore(try Self.recovered(), retryDefaults: defaults)

        let targets = try #require(router.rule("Zeta", bus: Self.bus)).targets
        let subscribers = try #require(targets.first { $0.id == "Subscribers" })
        #expect(subscribers.arn == testAccount.webSocketTargetArn)
        #expect(subscribers.pathParameterValues == ["$.detail.orderId"])
        #expect(subscribers.retryPolicy.maximumRetryAttempts == 3, "its own policy wins")
        #expect(subscribers.retryPolicy.maximumEventAgeSeconds == 3600, "what it does not set comes from the defaults")

        let hook = try #require(targets.first { $0.id == "Hook" })
        #expect(hook.arn == "https://hooks.example.com/orders")
        #expect(hook.webhookSecret == Self.secret)
        #expect(hook.headerParameters.map(\.0) == ["X-Team"])
        #expect(hook.headerParameters.map(\.1) == ["orders"])
        #expect(hook.retryPolicy == defaults)
        #expect(!hook.definition.text.contains(Self.secret), "the echoed definition never holds the secret")
        #expect(hook == (try Self.definition(Self.hookJSON, retryDefaults: defaults)))
    }

    @Test("Stored JSON keeps the webhook secret that the echoed definition drops, and decodes to the same target")
    func storedJSONRoundTrip() throws {
        let original = try Self.definition(Self.hookJSON)
        #expect(original.webhookSecret == Self.secret)
        #expect(!original.definition.text.contains("webhook-secret"))

        let stored = original.storedJSON
        #expect(stored.contains(Self.secret))
        let decoded = try Self.definition(stored)
        #expect(decoded == original)
        #expect(decoded.webhookSecret == Self.secret)
        #expect(decoded.storedJSON == stored, "storing again is stable")

        // A target without a secret stores its definition as given.
        let plain = try Self.definition(Self.subscribersJSON)
        #expect(try JSONParser.parse(plain.storedJSON) == JSONParser.parse(Self.subscribersJSON))
    }

    @Test("Messages go back to their queues with their attempts, retry times and routing keys")
    func messages() throws {
        let router = makeRouter(store: RecordingEventStore())
        let summary = router.restore(try Self.recovered(), retryDefaults: .default)
        #expect(summary.messages == 3)
        #expect(summary.waitingForRetry == 1)
        #expect(summary.deadLettered == 0)

        let subscribers = try #require(router.queue(for: Self.subscribers))
        let snapshot = subscribers.snapshot
        #expect(snapshot.depth == 1)
        #expect(snapshot.waitingForRetry == 1)
        #expect(snapshot.ready == 0)
        #expect(snapshot.nextRetryAt == Self.due)
        let waiting = try #require(subscribers.waitingMessages.first)
        #expect(waiting.dueAt == Self.due)
        #expect(waiting.attempts == [Self.failedAttempt])
        #expect(waiting.message.event.id == "e1")
        #expect(waiting.message.event.ingestedAt == t0.adding(seconds: -40), "age limits count from the first acceptance")
        #expect(waiting.message.routingKey == "kept-key", "the stored routing key, not one selected again")
        #expect(waiting.message.target == Self.subscribers)
        #expect(waiting.message.ruleArn == Self.zeta.arn)

        let hook = try #require(router.queue(for: Self.hook)).snapshot
        #expect(hook.depth == 1)
        #expect(hook.ready == 1)
        #expect(hook.waitingForRetry == 0)
        #expect(hook.nextRetryAt == nil)

        let archive = try #require(router.queue(for: Self.archive)).snapshot
        #expect(archive.ready == 1, "a disabled rule's queued messages are still delivered")
    }

    @Test("A message whose target is gone is dead-lettered with NO_RESOURCE and counted")
    func orphanIsDeadLettered() throws {
        let store = RecordingEventStore()
        let deadLetters = InMemoryDeadLetterStore(clock: WallClock { t0 }, store: store)
        let router = makeRouter(store: store, deadLetters: deadLetters)
        let summary = router.restore(try Self.recovered(extraMessages: [Self.orphan()]), retryDefaults: .default)

        #expect(summary.messages == 3)
        #expect(summary.deadLettered == 1)
        let entry = try #require(deadLetters.list(.all).first)
        #expect(deadLetters.count == 1)
        #expect(entry.errorCode == DeliveryFailure.noResource("").code)
        #expect(entry.errorCode == "NO_RESOURCE")
        #expect(entry.eventId == "e3")
        #expect(entry.target == TargetKey(busName: Self.bus, ruleName: "Gone", targetId: "T"))
        #expect(entry.attempts == [Self.failedAttempt])
        #expect(entry.retryAttempts == 0)
        #expect(entry.ingestedAt == t0.adding(seconds: -10))
        #expect(entry.deadLetteredAt == t0)

        // The only change is the dead letter itself, which takes the message out of the store's queue.
        #expect(store.changes.map(\.summary) == ["deadLettered \(entry.id)"])
        #expect(store.changes.first?.deadLettered == entry)
    }

    @Test("A stored event that is not valid JSON is dead-lettered with INVALID_PARAMETER")
    func unreadableEventIsDeadLettered() throws {
        let deadLetters = InMemoryDeadLetterStore()
        let router = makeRouter(store: RecordingEventStore(), deadLetters: deadLetters)
        var broken = Self.orphan(eventId: "e4", json: "{not json")
        broken.message.target = Self.hook
        let summary = router.restore(try Self.recovered(extraMessages: [broken]), retryDefaults: .default)

        #expect(summary.deadLettered == 1)
        let entry = try #require(deadLetters.list(.all).first)
        #expect(entry.errorCode == "INVALID_PARAMETER")
        #expect(entry.eventId == "e4")
        #expect(try #require(router.queue(for: Self.hook)).snapshot.depth == 1, "only the good message")
    }

    @Test("A stored target whose rule is missing is refused and named in the summary")
    func refusedTarget() throws {
        let router = makeRouter(store: RecordingEventStore())
        var recovered = try Self.recovered()
        recovered.targets.append(RecoveredTarget(key: TargetKey(busName: Self.bus, ruleName: "Missing", targetId: "T"), json: Self.archiveJSON))
        let summary = router.restore(recovered, retryDefaults: .default)
        #expect(summary.targets == 3)
        #expect(summary.refusedTargets == ["\(Self.bus)/Missing/T"])
    }

    // MARK: Recorded configuration

    @Test("Each configuration operation records the matching change")
    func configurationIsRecorded() throws {
        let store = RecordingEventStore()
        let router = makeRouter(store: store)

        let arn = try router.createBus(Self.bus, description: "Orders")
        try router.putRule(name: "Zeta", bus: Self.bus, eventPattern: Self.pattern, state: nil, description: "Shop events")
        try router.setRuleState("Zeta", bus: Self.bus, to: .disabled)
        let hook = try Self.definition(Self.hookJSON)
        #expect(try router.putTargets(rule: "Zeta", bus: Self.bus, targets: [hook]).isEmpty)
        #expect(try router.removeTargets(rule: "Zeta", bus: Self.bus, ids: ["Hook"]).isEmpty)
        try router.deleteRule("Zeta", bus: Self.bus)
        try router.deleteBus(Self.bus)

        let changes = store.changes
        #expect(
            changes.map(\.summary) == [
                "putBus orders", "putRule orders/Zeta ENABLED", "putRule orders/Zeta DISABLED", "putTarget orders/Zeta/Hook",
                "deleteTarget orders/Zeta/Hook", "deleteRule orders/Zeta", "deleteBus orders",
            ]
        )
        #expect(changes[0].putBus == StoredBus(name: Self.bus, arn: arn, description: "Orders", createdAt: t0))
        #expect(changes[1].putRule == Self.zeta)
        var disabled = Self.zeta
        disabled.state = "DISABLED"
        #expect(changes[2].putRule == disabled)
        let put = try #require(changes[3].putTarget)
        #expect(put.key == Self.hook)
        #expect(put.json == hook.storedJSON, "the webhook secret is stored, so it survives a restart")
        #expect(try Self.definition(put.json).webhookSecret == Self.secret)
    }

    @Test("Updating a rule keeps recording its full state; replacing a target records its new JSON")
    func updatesAreRecorded() throws {
        let store = RecordingEventStore()
        let router = makeRouter(store: store)
        try router.putRule(name: "Zeta", bus: "default", eventPattern: Self.pattern, state: .disabled, description: nil)
        try router.putRule(name: "Zeta", bus: "default", eventPattern: nil, state: nil, description: "now")
        _ = try router.putTargets(rule: "Zeta", bus: "default", targets: [try Self.definition(Self.archiveJSON)])
        let replacement = try Self.definition(#"{"Id":"Archive","Arn":"https://hooks.example.com/archive"}"#)
        _ = try router.putTargets(rule: "Zeta", bus: "default", targets: [replacement])

        let changes = store.changes
        #expect(changes.count == 4)
        #expect(changes[1].putRule?.state == "DISABLED", "PutRule without a state keeps the current one")
        #expect(changes[1].putRule?.eventPattern == nil)
        #expect(changes[1].putRule?.description == "now")
        #expect(changes[3].putTarget?.json == replacement.storedJSON)
    }

    @Test("Refused or empty operations record nothing")
    func refusedOperationsRecordNothing() throws {
        let store = RecordingEventStore()
        let router = makeRouter(store: store)
        try router.putRule(name: "Zeta", bus: "default", eventPattern: Self.pattern, state: nil, description: nil)
        _ = try router.putTargets(rule: "Zeta", bus: "default", targets: [try Self.definition(Self.archiveJSON)])
        store.clearChanges()

        #expect(throws: AWSServiceError.self) { try router.createBus("default", description: nil) }
        #expect(throws: AWSServiceError.self) { try router.deleteBus("default") }
        #expect(throws: AWSServiceError.self) { try router.deleteRule("Zeta", bus: "default") }
        #expect(throws: AWSServiceError.self) { try router.putRule(name: "X", bus: "nope", eventPattern: nil, state: nil, description: nil) }
        #expect(throws: AWSServiceError.self) { try router.putRule(name: "X", bus: "default", eventPattern: "{", state: nil, description: nil) }
        #expect(throws: AWSServiceError.self) { try router.setRuleState("X", bus: "default", to: .enabled) }
        try router.deleteRule("Unknown", bus: "default")
        try router.deleteBus("unknown")
        #expect(try router.removeTargets(rule: "Zeta", bus: "default", ids: ["Nope"]) == ["Nope"])
        // A target the outbound side refuses (here: a DLQ ARN nothing can send to) is not recorded either.
        let refused = try Self.definition(#"{"Id":"T","Arn":"https://x.example","DeadLetterConfig":{"Arn":"arn:aws:sqs:us-east-1:1:q"}}"#)
        #expect(try router.putTargets(rule: "Zeta", bus: "default", targets: [refused]).count == 1)

        #expect(store.changes.map(\.summary) == [])
    }
}

extension Event {
    /// The same event from another source.
    fileprivate func withSource(_ source: String) -> Event {
        Event(
            id: id,
            source: source,
            detailType: detailType,
            account: account,
            region: region,
            time: time,
            resources: resources,
            detail: detail,
            eventBusName: eventBusName,
            ingestedAt: ingestedAt
        )
    }
}

extension JSONObject {
    /// The object as JSON text, to look for what it must not hold.
    fileprivate var text: String { JSONValue.object(self).jsonText }
}
