import PushBridgeCore
import PushBridgeJSON
import Testing

@Suite("DeliveryMessage")
struct DeliveryMessageTests {
    private func message(_ input: TargetInput, event: Event = makeEvent()) -> DeliveryMessage {
        DeliveryMessage(
            event: event,
            input: input,
            context: TargetInput.Context(ruleName: "EntityUpdated", ruleArn: "arn:aws:events:us-east-1:123456789012:rule/EntityUpdated"),
            routingKey: "myEntityId",
            target: testTarget,
            ruleArn: "arn:aws:events:us-east-1:123456789012:rule/EntityUpdated",
            targetArn: "arn:pushbridge:websocket:us-east-1:123456789012:subscribers/*"
        )
    }

    @Test("An input rendered on first use is what rendering at routing time gives, every time it is read")
    func deferredInputMatchesEagerRendering() throws {
        let event = makeEvent()
        let context = TargetInput.Context(ruleName: "EntityUpdated", ruleArn: "arn:aws:events:us-east-1:123456789012:rule/EntityUpdated")
        let transformer = try InputTransformer(
            inputPathsMap: ["entityId": "$.detail.entityId", "message": "$.detail.message"],
            inputTemplate: #"{"entityId":<entityId>,"message":<message>,"rule":<aws.events.rule-name>}"#
        )
        for input in [TargetInput.wholeEvent, .constant("fixed"), .transformer(transformer)] {
            let deferred = message(input, event: event)
            let expected = input.render(event, context: context)
            #expect(deferred.input == expected)
            #expect(deferred.input == expected)
        }
    }

    @Test("Copies of a message share one rendering")
    func copiesShareTheInput() {
        let original = message(.wholeEvent)
        let copy = original
        #expect(copy.input == original.input)
        #expect(original.input == makeEvent().jsonText)
    }
}
