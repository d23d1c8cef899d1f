import PushBridgeCore
import PushBridgeJSON
import Testing

/// A template that repeats a large value must not turn one event into hundreds of megabytes.
@Suite("Input size limit")
struct InputLimitTests {
    let context = TargetInput.Context(ruleName: "r", ruleArn: "arn:aws:events:us-east-1:123456789012:rule/r")
    let big = makeEvent(detail: ["entityId": "e1", "blob": .string(String(repeating: "x", count: 100_000))])

    @Test("Text and JSON templates past the limit render nothing; under it they render whole", arguments: [true, false])
    func limit(json: Bool) throws {
        let repeated = String(repeating: json ? "<b>," : "<b>", count: 20)
        let template = json ? "[" + repeated + "1]" : repeated
        let transformer = try InputTransformer(inputPathsMap: ["b": "$.detail.blob"], inputTemplate: template)
        #expect(transformer.render(big, context: context, limit: InputTransformer.maximumRenderedBytes) == nil)
        let whole = try #require(transformer.render(big, context: context, limit: 3_000_000))
        #expect(whole.utf8.count >= 2_000_000)
    }

    @Test("A message whose input is over the limit fails without retries, and nothing is pushed")
    func messageFails() async throws {
        let transformer = try InputTransformer(inputPathsMap: ["b": "$.detail.blob"], inputTemplate: String(repeating: "<b>", count: 20))
        let message = DeliveryMessage(
            event: big,
            input: .transformer(transformer),
            context: context,
            routingKey: "e1",
            target: testTarget,
            ruleArn: "r",
            targetArn: "t"
        )
        guard case .failure(let failure) = message.deliverableInput else {
            Issue.record("an input of 2 MB was accepted")
            return
        }
        #expect(failure.code == "INVALID_PARAMETER")
        #expect(!failure.retryable)

        let registry = ConnectionRegistry()
        let sink = RecordingSink()
        registry.register(
            ConnectionRecord(connectionId: "c1", sourceIp: "192.0.2.1", userAgent: "test", connectedAt: t0, stage: nil),
            sink: sink
        )
        _ = registry.subscribe("c1", to: "e1")
        let outcome = await WebSocketFanOut(registry: registry, statistics: FanOutStatistics()).deliver(message)
        #expect(outcome == .failed(failure))
        #expect(sink.frames.isEmpty)
    }

    @Test("Placeholders are found in one pass, whatever the run of '<'")
    func manyOpeningBrackets() throws {
        let template = String(repeating: "<", count: 8000) + "a>"
        let transformer = try InputTransformer(inputPathsMap: ["a": "$.detail.entityId"], inputTemplate: template)
        #expect(transformer.render(big, context: context) == String(repeating: "<", count: 7999) + "e1")
    }

    @Test("A placeholder used as an object key is refused at PutTargets, never rendered as the internal marker (found by fuzzing)")
    func placeholderAsKey() {
        let error = #expect(throws: InputTransformer.InvalidTransformer.self) {
            try InputTransformer(inputPathsMap: ["a": "$.detail.entityId"], inputTemplate: #"{"x":[{<a>:1}]}"#)
        }
        #expect(error?.message == "InputTemplate uses <a> as an object key; a placeholder may only stand for a value.")
    }
}
