import PushBridgeCore
import PushBridgeJSON
import Testing

@Suite("DefaultRouting")
struct DefaultRoutingTests {
    private func installedRouter() throws -> EventRouter {
        let router = makeRouter(deliverer: FakeDeliverer())
        try DefaultRouting.install(into: router)
        return router
    }

    @Test("Entity Updated with a message pushes type, entityId and message")
    func withMessage() throws {
        let router = try installedRouter()
        let messages = router.route(makeEvent(detail: ["entityId": "myEntityId", "message": "The example worked!"]))
        #expect(messages.count == 1)
        let message = try #require(messages.first)
        #expect(message.input == #"{"type":"Entity Updated","entityId":"myEntityId","message":"The example worked!"}"#)
        #expect(message.routingKey == "myEntityId")
        #expect(message.target == TargetKey(busName: "default", ruleName: "EntityUpdated", targetId: "EntityUpdatedSubscribers"))
        #expect(message.ruleArn == "arn:aws:events:us-east-1:123456789012:rule/EntityUpdated")
        #expect(message.targetArn == "arn:pushbridge:websocket:us-east-1:123456789012:subscribers/*")
    }

    @Test("Without a message, the key is left out")
    func withoutMessage() throws {
        let router = try installedRouter()
        let message = try #require(router.route(makeEvent(detail: ["entityId": "myEntityId"])).first)
        #expect(message.input == #"{"type":"Entity Updated","entityId":"myEntityId"}"#)
    }

    @Test("A numeric entityId stays a number in the push and becomes text as the routing key")
    func numericEntity() throws {
        let router = try installedRouter()
        let message = try #require(router.route(makeEvent(detail: ["entityId": 42])).first)
        #expect(message.input == #"{"type":"Entity Updated","entityId":42}"#)
        #expect(message.routingKey == "42")
    }

    @Test("Without an entityId there is no routing key")
    func noEntity() throws {
        let router = try installedRouter()
        let message = try #require(router.route(makeEvent(detail: ["message": "m"])).first)
        #expect(message.routingKey == nil)
        #expect(message.input == #"{"type":"Entity Updated","message":"m"}"#)
    }

    @Test("Other detail-types and other buses are not routed")
    func notMatching() throws {
        let router = try installedRouter()
        #expect(router.route(makeEvent(detailType: "Entity Deleted")).isEmpty)
        #expect(router.route(makeEvent(bus: "other")).isEmpty)
    }
}

@Suite("EventRouter quotas")
struct EventRouterQuotaTests {
    @Test("A bus holds at most 300 rules; updating one of them is still allowed")
    func rulesPerBus() throws {
        let router = makeRouter(deliverer: FakeDeliverer())
        for index in 0..<EventRouter.maximumRulesPerBus {
            try router.putRule(name: "r\(index)", bus: "default", eventPattern: nil, state: nil, description: nil)
        }
        #expect(
            throws: AWSServiceError.limitExceeded(
                "The requested resource exceeds the maximum number allowed: an event bus can have at most 300 rules."
            )
        ) {
            try router.putRule(name: "one-more", bus: "default", eventPattern: nil, state: nil, description: nil)
        }
        try router.putRule(name: "r0", bus: "default", eventPattern: #"{"source":["x"]}"#, state: nil, description: "updated")
        #expect(try router.rules(bus: "default").count == 300)
    }

    @Test("At most 100 event buses, the default one included")
    func buses() throws {
        let router = makeRouter(deliverer: FakeDeliverer())
        for index in 1..<EventRouter.maximumBuses { _ = try router.createBus("bus\(index)", description: nil) }
        #expect(throws: AWSServiceError.self) { try router.createBus("one-more", description: nil) }
    }
}
