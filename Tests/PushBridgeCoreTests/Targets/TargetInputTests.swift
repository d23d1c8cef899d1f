import PushBridgeCore
import PushBridgeJSON
import Testing

@Suite("TargetInput")
struct TargetInputTests {
    let context = TargetInput.Context(ruleName: "r", ruleArn: "arn:r")
    let event = makeEvent()

    @Test("wholeEvent is the event JSON")
    func wholeEvent() {
        #expect(TargetInput.wholeEvent.render(event, context: context) == event.jsonText)
    }

    @Test("constant is sent as given")
    func constant() {
        #expect(TargetInput.constant(#"{"fixed": true}"#).render(event, context: context) == #"{"fixed": true}"#)
    }

    @Test("path selects part of the event; nothing there gives empty text")
    func path() throws {
        #expect(TargetInput.path(try JSONPath("$.detail")).render(event, context: context) == #"{"entityId":"myEntityId","message":"hi"}"#)
        #expect(TargetInput.path(try JSONPath("$.detail.entityId")).render(event, context: context) == #""myEntityId""#)
        #expect(TargetInput.path(try JSONPath("$.detail.absent")).render(event, context: context) == "")
    }

    @Test("transformer renders with the rule context")
    func transformer() throws {
        let transformer = try InputTransformer(inputPathsMap: ["id": "$.detail.entityId"], inputTemplate: "<aws.events.rule-name>:<id>")
        #expect(TargetInput.transformer(transformer).render(event, context: context) == "r:myEntityId")
    }
}
