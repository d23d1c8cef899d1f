import PushBridgeCore
import Testing

@Suite("EventRouter.reconcile: configuration another node committed")
struct EventRouterReconcileTests {
    typealias Fixture = EventRouterRecoveryTests

    /// The buses, rules and targets of the recovery fixture, without messages.
    static func snapshot() throws -> EventRouter.ConfigurationSnapshot {
        let state = try Fixture.recovered()
        return EventRouter.ConfigurationSnapshot(buses: state.buses, rules: state.rules, targets: state.targets)
    }

    @Test("A snapshot is applied without being recorded again; applying it twice changes nothing the second time")
    func appliesOnce() throws {
        let store = RecordingEventStore()
        let router = makeRouter(store: store)
        let snapshot = try Self.snapshot()
        let first = router.reconcile(with: snapshot, retryDefaults: .default)
        #expect(first.busesAdded == 1 && first.rulesChanged == 2 && first.targetsChanged == 3)
        #expect(store.changes.isEmpty)
        #expect(router.rule("Zeta", bus: Fixture.bus)?.targets.map(\.id) == ["Subscribers", "Hook"])
        #expect(router.queue(for: Fixture.hook) != nil)
        #expect(router.reconcile(with: snapshot, retryDefaults: .default).isEmpty)
    }

    @Test("What the snapshot lacks is removed: a removed target's queue dead-letters what this node held for it")
    func removals() throws {
        let store = RecordingEventStore()
        let deadLetters = InMemoryDeadLetterStore()
        let router = makeRouter(store: store, deadLetters: deadLetters)
        var snapshot = try Self.snapshot()
        router.reconcile(with: snapshot, retryDefaults: .default)
        #expect(router.publish(Fixture.shopEvent(id: "e1")) == .accepted)
        snapshot.targets.removeAll { $0.key == Fixture.hook }
        snapshot.rules.removeAll { $0.name == "Alpha" }
        snapshot.targets.removeAll { $0.key == Fixture.archive }
        let summary = router.reconcile(with: snapshot, retryDefaults: .default)
        #expect(summary.targetsRemoved == 1 && summary.rulesRemoved == 1)
        #expect(router.queue(for: Fixture.hook) == nil && router.queue(for: Fixture.archive) == nil)
        #expect(router.rule("Alpha", bus: Fixture.bus) == nil)
        #expect(deadLetters.list(.all).map(\.target) == [Fixture.hook])
        #expect(deadLetters.list(.all).first?.errorCode == "NO_RESOURCE")

        snapshot.buses.removeAll { $0.name == Fixture.bus }
        snapshot.rules = []
        snapshot.targets = []
        #expect(router.reconcile(with: snapshot, retryDefaults: .default).busesRemoved == 1)
        #expect(router.bus(named: Fixture.bus) == nil)
        #expect(router.bus(named: AccountContext.defaultBusName) != nil)
    }

    @Test("A changed rule pattern and a changed target replace the old ones in place")
    func updates() throws {
        let router = makeRouter(store: RecordingEventStore())
        var snapshot = try Self.snapshot()
        router.reconcile(with: snapshot, retryDefaults: .default)
        let queue = router.queue(for: Fixture.hook)
        snapshot.rules[0].eventPattern = #"{"source":["elsewhere"]}"#
        let index = try #require(snapshot.targets.firstIndex { $0.key == Fixture.hook })
        snapshot.targets[index].json = #"{"Id":"Hook","Arn":"https://hooks.example.com/other"}"#
        let summary = router.reconcile(with: snapshot, retryDefaults: .default)
        #expect(summary.rulesChanged == 1 && summary.targetsChanged == 1)
        #expect(router.rule("Zeta", bus: Fixture.bus)?.eventPattern == #"{"source":["elsewhere"]}"#)
        #expect(router.rule("Zeta", bus: Fixture.bus)?.targets.first { $0.id == "Hook" }?.arn == "https://hooks.example.com/other")
        // The queue stays (what it holds is kept); only its target changed.
        #expect(router.queue(for: Fixture.hook) === queue)
        // Zeta no longer matches shop events, and Alpha is disabled.
        #expect(router.route(Fixture.shopEvent(id: "e2")).isEmpty)
    }
}
