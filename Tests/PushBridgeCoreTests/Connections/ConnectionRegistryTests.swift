import PushBridgeCore
import TestSupport
import Testing

@Suite("ConnectionRegistry")
struct ConnectionRegistryTests {
    private func record(_ id: String, connectedAt: Timestamp = t0) -> ConnectionRecord {
        ConnectionRecord(connectionId: id, sourceIp: "192.0.2.1", userAgent: "test", connectedAt: connectedAt, stage: "dev")
    }

    private func registry(_ ids: [String], limit: Int = 100) -> ConnectionRegistry {
        let registry = ConnectionRegistry(maximumSubscriptionsPerConnection: limit)
        for id in ids { registry.register(record(id), sink: RecordingSink()) }
        return registry
    }

    @Test("register and look up")
    func register() {
        let registry = registry(["c1"])
        #expect(registry.connectionCount == 1)
        #expect(registry.record("c1") == record("c1"))
        #expect(registry.record("c1")?.lastActiveAt == t0)
        #expect(registry.sink("c1") != nil)
        #expect(registry.record("nope") == nil)
        #expect(registry.sink("nope") == nil)
        #expect(registry.subscriptions(of: "c1") == [])
        #expect(registry.subscriptions(of: "nope") == nil)
    }

    @Test("subscribe: subscribed, already subscribed, unknown connection")
    func subscribe() {
        let registry = registry(["c1", "c2"])
        #expect(registry.subscribe("c1", to: "e1") == .subscribed)
        #expect(registry.subscribe("c1", to: "e1") == .alreadySubscribed)
        #expect(registry.subscribe("c2", to: "e1") == .subscribed)
        #expect(registry.subscribe("c1", to: "e2") == .subscribed)
        #expect(registry.subscribe("ghost", to: "e1") == .unknownConnection)
        #expect(registry.subscriptionCount == 3)
        #expect(registry.subscribers(of: "e1").map(\.connectionId) == ["c1", "c2"])
        #expect(registry.subscriptions(of: "c1") == ["e1", "e2"])
        #expect(registry.subscribers(of: "unknown").isEmpty)
    }

    @Test("The per-connection subscription limit")
    func limit() {
        let registry = registry(["c1", "c2"], limit: 2)
        #expect(registry.subscribe("c1", to: "a") == .subscribed)
        #expect(registry.subscribe("c1", to: "b") == .subscribed)
        #expect(registry.subscribe("c1", to: "c") == .limitReached(2))
        #expect(registry.subscribe("c1", to: "a") == .alreadySubscribed)
        #expect(registry.subscribe("c2", to: "c") == .subscribed)
        registry.unsubscribe("c1", from: "a")
        #expect(registry.subscribe("c1", to: "c") == .subscribed)
    }

    @Test("unsubscribe removes one subscription")
    func unsubscribe() {
        let registry = registry(["c1", "c2"])
        _ = registry.subscribe("c1", to: "e1")
        _ = registry.subscribe("c2", to: "e1")
        #expect(registry.unsubscribe("c1", from: "e1"))
        #expect(!registry.unsubscribe("c1", from: "e1"))
        #expect(!registry.unsubscribe("ghost", from: "e1"))
        #expect(registry.subscribers(of: "e1").map(\.connectionId) == ["c2"])
        #expect(registry.subscriptionCount == 1)
        #expect(registry.unsubscribe("c2", from: "e1"))
        #expect(registry.subscribers(of: "e1").isEmpty)
        #expect(registry.subscriptionCount == 0)
    }

    @Test("remove deletes the connection and all its subscriptions")
    func remove() {
        let registry = registry(["c1", "c2"])
        _ = registry.subscribe("c1", to: "e1")
        _ = registry.subscribe("c1", to: "e2")
        _ = registry.subscribe("c2", to: "e1")
        #expect(registry.remove("c1") == record("c1"))
        #expect(registry.remove("c1") == nil)
        #expect(registry.connectionCount == 1)
        #expect(registry.subscriptionCount == 1)
        #expect(registry.subscribers(of: "e1").map(\.connectionId) == ["c2"])
        #expect(registry.subscribers(of: "e2").isEmpty)
        #expect(registry.subscribe("c1", to: "e1") == .unknownConnection)
    }

    @Test("Subscribers stay exact through any mix of subscribe, unsubscribe and disconnect")
    func subscribersMatchAModel() {
        let ids = (0..<40).map { "c\($0)" }
        let entities = ["e0", "e1", "e2"]
        let registry = registry(ids, limit: 10)
        var model: [String: Set<String>] = [:]
        var random = SplitMix(seed: 7)
        for _ in 0..<3000 {
            let id = ids[Int(random.next() % UInt64(ids.count))]
            let entity = entities[Int(random.next() % UInt64(entities.count))]
            switch random.next() % 10 {
            case 0:
                registry.remove(id)
                for key in model.keys { model[key]?.remove(id) }
                registry.register(record(id), sink: RecordingSink())
            case 1...4:
                registry.unsubscribe(id, from: entity)
                model[entity]?.remove(id)
            default:
                _ = registry.subscribe(id, to: entity)
                model[entity, default: []].insert(id)
            }
        }
        for entity in entities {
            let listed = registry.subscribers(of: entity).map(\.connectionId)
            #expect(listed.count == Set(listed).count, "no duplicates for \(entity)")
            #expect(Set(listed) == model[entity] ?? [], "\(entity)")
        }
        #expect(registry.subscriptionCount == model.values.reduce(0) { $0 + $1.count })
    }

    @Test("A connection id registered again starts without the old subscriptions")
    func registerAgain() {
        let registry = registry(["c1"])
        _ = registry.subscribe("c1", to: "e1")
        registry.register(record("c1"), sink: RecordingSink())
        #expect(registry.subscribers(of: "e1").isEmpty)
        #expect(registry.subscriptionCount == 0)
        #expect(registry.subscribe("c1", to: "e1") == .subscribed)
        #expect(registry.subscribers(of: "e1").map(\.connectionId) == ["c1"])
    }

    @Test("subscribers(of:) is a snapshot")
    func snapshot() {
        let registry = registry(["c1", "c2"])
        _ = registry.subscribe("c1", to: "e1")
        let before = registry.subscribers(of: "e1")
        _ = registry.subscribe("c2", to: "e1")
        registry.remove("c1")
        #expect(before.map(\.connectionId) == ["c1"])
        #expect(registry.subscribers(of: "e1").map(\.connectionId) == ["c2"])
    }

    @Test("Subscribers carry the connection's sink")
    func sinks() {
        let registry = ConnectionRegistry()
        let sink = RecordingSink()
        registry.register(record("c1"), sink: sink)
        _ = registry.subscribe("c1", to: "e1")
        #expect(registry.subscribers(of: "e1").first?.sink === sink)
        #expect(registry.allSinks().count == 1)
    }

    @Test("touch updates lastActiveAt; records are ordered by connection time then id")
    func touchAndRecords() {
        let registry = ConnectionRegistry()
        registry.register(record("b", connectedAt: t0), sink: RecordingSink())
        registry.register(record("a", connectedAt: t0), sink: RecordingSink())
        registry.register(record("c", connectedAt: t0.adding(seconds: -5)), sink: RecordingSink())
        registry.touch("a", at: t0.adding(seconds: 9))
        registry.touch("ghost", at: t0)
        #expect(registry.record("a")?.lastActiveAt == t0.adding(seconds: 9))
        #expect(registry.record("a")?.connectedAt == t0)
        #expect(registry.records().map(\.connectionId) == ["c", "a", "b"])
    }

    @Test("expired() finds idle and too-old connections")
    func expired() {
        let registry = ConnectionRegistry()
        registry.register(record("old", connectedAt: t0.adding(seconds: -7200)), sink: RecordingSink())
        registry.register(record("idle", connectedAt: t0.adding(seconds: -700)), sink: RecordingSink())
        registry.register(record("active", connectedAt: t0.adding(seconds: -700)), sink: RecordingSink())
        registry.register(record("fresh", connectedAt: t0), sink: RecordingSink())
        registry.touch("active", at: t0.adding(seconds: -10))
        registry.touch("old", at: t0)

        let expired = registry.expired(idleBefore: t0.adding(seconds: -600), connectedBefore: t0.adding(seconds: -3600))
        let byId = Dictionary(uniqueKeysWithValues: expired.map { ($0.0.connectionId, $0.idle) })
        #expect(byId == ["old": false, "idle": true])
        // Exactly at a cutoff is not expired.
        #expect(registry.expired(idleBefore: t0.adding(seconds: -700), connectedBefore: t0.adding(seconds: -7200)).isEmpty)
    }
}
