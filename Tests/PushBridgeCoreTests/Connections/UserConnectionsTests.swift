import NIOCore
import PushBridgeCore
import PushBridgeJSON
import Testing

/// The per-user index (the sample's GSI1 `userId`/`user#` items) and the `users/*` WebSocket target that reads it.
@Suite("User connections")
struct UserConnectionsTests {
    private func record(_ id: String, user: String?) -> ConnectionRecord {
        ConnectionRecord(connectionId: id, sourceIp: "192.0.2.1", userAgent: "test", connectedAt: t0, stage: "dev", userId: user)
    }

    @Test("connections are indexed by user until they go")
    func index() {
        let registry = ConnectionRegistry()
        registry.register(record("a1", user: "alice"), sink: RecordingSink())
        registry.register(record("a2", user: "alice"), sink: RecordingSink())
        registry.register(record("b1", user: "bob"), sink: RecordingSink())
        registry.register(record("anon", user: nil), sink: RecordingSink())
        #expect(Set(registry.connections(ofUser: "alice").map(\.connectionId)) == ["a1", "a2"])
        #expect(registry.connections(ofUser: "bob").map(\.connectionId) == ["b1"])
        registry.remove("a1")
        #expect(registry.connections(ofUser: "alice").map(\.connectionId) == ["a2"])
        // An id that registers again under another user leaves the first user's index.
        registry.register(record("a2", user: "bob"), sink: RecordingSink())
        #expect(registry.connections(ofUser: "alice").isEmpty)
        #expect(Set(registry.connections(ofUser: "bob").map(\.connectionId)) == ["b1", "a2"])
    }

    @Test("a users/* target pushes to every connection of the user, and its key defaults to detail.userId")
    func fanOut() async throws {
        let registry = ConnectionRegistry()
        let (first, second, other) = (RecordingSink(), RecordingSink(), RecordingSink())
        registry.register(record("a1", user: "alice"), sink: first)
        registry.register(record("a2", user: "alice"), sink: second)
        registry.register(record("b1", user: "bob"), sink: other)
        let account = AccountContext(accountId: "123456789012")
        let target = TargetDefinition(id: "t", arn: account.webSocketUsersTargetArn)
        #expect(target.webSocketAudience == .userConnections)
        #expect(target.routingKeyPath == "$.detail.userId")
        #expect(TargetDefinition(id: "t", arn: account.webSocketTargetArn).routingKeyPath == "$.detail.entityId")
        let fanOut = WebSocketFanOut(registry: registry, statistics: FanOutStatistics(), audience: .userConnections)
        let outcome = await fanOut.deliver(makeMessage(routingKey: "alice"))
        #expect(outcome == .delivered)
        #expect(first.frames.count == 1)
        #expect(second.frames.count == 1)
        #expect(other.frames.isEmpty)
    }

    @Test("the part-four rule renders the sample's user notification")
    func rule() throws {
        let router = makeRouter(deliverer: FakeDeliverer())
        try DefaultRouting.UserNotifications.install(into: router)
        let detail: JSONValue = ["userId": "alice", "message": "Order shipped", "callback": "https://example.com/1"]
        let message = try #require(router.route(makeEvent(detailType: "Send User Push Notification", detail: detail)).first)
        #expect(message.input == #"{"type":"User Push Notification","message":"Order shipped","callback":"https://example.com/1"}"#)
        #expect(message.routingKey == "alice")
        #expect(message.targetArn.hasSuffix(":users/*"))
        #expect(router.route(makeEvent(detail: detail)).isEmpty, "only its detail-type")
    }
}
