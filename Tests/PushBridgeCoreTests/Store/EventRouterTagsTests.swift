import PushBridgeCore
import Testing

/// Tags and settings in the router: each change is recorded as the whole bus or rule, comes back from a
/// recovery (the default bus too), and reaches another node through ``EventRouter/reconcile(with:retryDefaults:)``.
@Suite("EventRouter tags and settings")
struct EventRouterTagsTests {
    typealias Fixture = EventRouterRecoveryTests

    static let settings = BusSettings(
        kmsKeyIdentifier: "alias/k",
        deadLetterArn: "arn:aws:sqs:us-east-1:000000000000:q",
        logConfig: BusSettings.LogConfig(includeDetail: "FULL", level: "TRACE")
    )

    @Test("Tagging records the whole bus or rule; a recovered router answers the same")
    func recordedAndRecovered() throws {
        let store = RecordingEventStore()
        let router = makeRouter(store: store)
        let busArn = try router.createBus("orders", description: "d", settings: Self.settings, tags: [ResourceTag(key: "a", value: "1")])
        let rule = try router.putRule(
            name: "r",
            bus: "orders",
            eventPattern: nil,
            state: nil,
            description: nil,
            roleArn: "arn:aws:iam::000000000000:role/x",
            tags: [ResourceTag(key: "t", value: "1")]
        )
        try router.tagResource(busArn, tags: [ResourceTag(key: "b", value: "2"), ResourceTag(key: "a", value: "3")])
        try router.untagResource(rule.arn, keys: ["t"])
        let defaultArn = testAccount.busArn(AccountContext.defaultBusName)
        try router.tagResource(defaultArn, tags: [ResourceTag(key: "d", value: "4")])

        let buses = store.changes.compactMap(\.putBus)
        #expect(buses.last?.name == "default" && buses.last?.tags == [ResourceTag(key: "d", value: "4")])
        let orders = try #require(buses.last { $0.name == "orders" })
        #expect(orders.settings == Self.settings)
        #expect(orders.tags == [ResourceTag(key: "a", value: "3"), ResourceTag(key: "b", value: "2")])
        #expect(store.changes.compactMap(\.putRule).last?.tags == [])
        #expect(store.changes.compactMap(\.putRule).last?.roleArn == "arn:aws:iam::000000000000:role/x")

        // A second router given what the store kept (the default bus exists there from the start) answers the same.
        let recovered = makeRouter(store: RecordingEventStore())
        let kept = store.changes.compactMap(\.putBus)
        var latest: [String: StoredBus] = [:]
        for bus in kept { latest[bus.name] = bus }
        _ = recovered.restore(
            RecoveredState(buses: [latest["orders"]!, latest["default"]!], rules: [store.changes.compactMap(\.putRule).last!]),
            retryDefaults: .default
        )
        #expect(try recovered.tags(of: busArn) == [ResourceTag(key: "a", value: "3"), ResourceTag(key: "b", value: "2")])
        #expect(try recovered.tags(of: defaultArn) == [ResourceTag(key: "d", value: "4")])
        #expect(recovered.bus(named: "orders")?.settings == Self.settings)
        #expect(recovered.rule("r", bus: "orders")?.roleArn == "arn:aws:iam::000000000000:role/x")
    }

    @Test("A bus's or rule's changed tags and settings reach another node; an equal snapshot changes nothing")
    func reconciled() throws {
        let router = makeRouter(store: RecordingEventStore())
        var snapshot = try EventRouterReconcileTests.snapshot()
        router.reconcile(with: snapshot, retryDefaults: .default)
        let busIndex = try #require(snapshot.buses.firstIndex { $0.name == Fixture.bus })
        snapshot.buses[busIndex].tags = [ResourceTag(key: "k", value: "v")]
        snapshot.buses[busIndex].settings = Self.settings
        snapshot.rules[0].tags = [ResourceTag(key: "r", value: "1")]
        snapshot.rules[0].roleArn = "arn:aws:iam::000000000000:role/y"
        var defaultBus = try #require(router.bus(named: AccountContext.defaultBusName))
        defaultBus.tags = [ResourceTag(key: "d", value: "1")]
        snapshot.buses.append(defaultBus)
        let summary = router.reconcile(with: snapshot, retryDefaults: .default)
        #expect(summary.busesChanged == 2 && summary.rulesChanged == 1 && summary.busesAdded == 0)
        let bus = try #require(router.bus(named: Fixture.bus))
        #expect(bus.tags == [ResourceTag(key: "k", value: "v")] && bus.settings == Self.settings)
        #expect(router.rule(snapshot.rules[0].name, bus: snapshot.rules[0].busName)?.roleArn == "arn:aws:iam::000000000000:role/y")
        #expect(try router.tags(of: snapshot.rules[0].arn) == [ResourceTag(key: "r", value: "1")])
        #expect(try router.tags(of: testAccount.busArn(AccountContext.defaultBusName)) == [ResourceTag(key: "d", value: "1")])
        // The bus kept its rules and targets.
        #expect(router.rule("Zeta", bus: Fixture.bus)?.targets.map(\.id) == ["Subscribers", "Hook"])
        #expect(router.reconcile(with: snapshot, retryDefaults: .default).isEmpty)
    }
}
