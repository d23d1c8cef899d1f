import PushBridgeCore
import PushBridgeJSON
import Testing

@Suite("InputTransformer")
struct InputTransformerTests {
    let context = TargetInput.Context(ruleName: "EntityUpdated", ruleArn: "arn:aws:events:us-east-1:123456789012:rule/EntityUpdated")
    let event = makeEvent(
        detail: ["entityId": "e1", "count": 3, "flag": true, "tags": ["a", "b"], "nested": ["k": "v"], "quote": "say \"hi\"", "nothing": nil],
        ingestedAt: t0.adding(milliseconds: 1500)
    )

    private func render(_ template: String, _ paths: [String: String] = [:]) throws -> String {
        try InputTransformer(inputPathsMap: paths, inputTemplate: template).render(event, context: context)
    }

    private func rejection(_ template: String, _ paths: [String: String] = [:]) -> String? {
        #expect(throws: InputTransformer.InvalidTransformer.self) {
            try InputTransformer(inputPathsMap: paths, inputTemplate: template)
        }?.message
    }

    @Test("Unquoted placeholders insert JSON values")
    func unquoted() throws {
        let paths = [
            "id": "$.detail.entityId", "count": "$.detail.count", "flag": "$.detail.flag", "tags": "$.detail.tags", "nested": "$.detail.nested",
            "nothing": "$.detail.nothing",
        ]
        #expect(
            try render(#"{"id":<id>,"count":<count>,"flag":<flag>,"tags":<tags>,"nested":<nested>,"nothing":<nothing>}"#, paths)
                == #"{"id":"e1","count":3,"flag":true,"tags":["a","b"],"nested":{"k":"v"},"nothing":null}"#
        )
    }

    @Test("Quoted placeholders insert text, and the result stays valid JSON")
    func quoted() throws {
        let paths = ["id": "$.detail.entityId", "count": "$.detail.count", "quote": "$.detail.quote", "tags": "$.detail.tags"]
        let output = try render(#"{"text":"Entity <id> has <count> items","q":"<quote>","t":"tags: <tags>"}"#, paths)
        #expect(output == #"{"text":"Entity e1 has 3 items","q":"say \"hi\"","t":"tags: [\"a\",\"b\"]"}"#)
        #expect(throws: Never.self) { try JSONParser.parse(output) }
    }

    @Test("Template whitespace and literal members are kept in order, output compact")
    func literals() throws {
        let output = try render(
            "{\n  \"type\": \"Entity Updated\",\n  \"id\": <id>,\n  \"n\": 1.50,\n  \"a\": [1, <id>]\n}",
            ["id": "$.detail.entityId"]
        )
        #expect(output == #"{"type":"Entity Updated","id":"e1","n":1.50,"a":[1,"e1"]}"#)
    }

    @Test("A missing value omits an object member")
    func missingMember() throws {
        let output = try render(#"{"type":"x","message":<message>,"id":<id>}"#, ["message": "$.detail.message", "id": "$.detail.entityId"])
        #expect(output == #"{"type":"x","id":"e1"}"#)
    }

    @Test("A missing value is null in an array and empty inside a string")
    func missingElsewhere() throws {
        let paths = ["missing": "$.detail.absent"]
        #expect(try render(#"{"list":[<missing>,1]}"#, paths) == #"{"list":[null,1]}"#)
        #expect(try render(#"{"s":"a<missing>b"}"#, paths) == #"{"s":"ab"}"#)
        #expect(try render("before <missing> after", paths) == "before  after")
    }

    @Test("Reserved variables")
    func reserved() throws {
        let output = try render(
            #"{"name":<aws.events.rule-name>,"arn":<aws.events.rule-arn>,"ingested":<aws.events.event.ingestion-time>,"inText":"rule <aws.events.rule-name>"}"#
        )
        #expect(
            output
                == #"{"name":"EntityUpdated","arn":"arn:aws:events:us-east-1:123456789012:rule/EntityUpdated","ingested":"2026-11-29T19:10:22Z","inText":"rule EntityUpdated"}"#
        )
    }

    @Test("<aws.events.event.json> is the whole event; <aws.events.event> is the envelope without detail")
    func reservedEvent() throws {
        let whole = try JSONParser.parse(try render(#"{"e":<aws.events.event.json>}"#))
        #expect(whole["e"] == event.json)
        let envelope = try JSONParser.parse(try render(#"{"e":<aws.events.event>}"#))
        let object = try #require(envelope["e"]?.objectValue)
        #expect(object.keys == ["version", "id", "detail-type", "source", "account", "time", "region", "resources"])
        #expect(object["id"] == .string(event.id))
        #expect(try render("<aws.events.event.json>") == event.jsonText)
    }

    @Test("Plain-text templates insert strings raw and other values as JSON")
    func plainText() throws {
        let paths = ["id": "$.detail.entityId", "count": "$.detail.count", "nested": "$.detail.nested"]
        #expect(try render("Entity <id> changed <count> times: <nested>", paths) == #"Entity e1 changed 3 times: {"k":"v"}"#)
        #expect(try render(#""<id>""#, paths) == #""e1""#)
        #expect(try render("no placeholders") == "no placeholders")
        #expect(try render("a < b and c > d") == "a < b and c > d")
    }

    @Test("An unknown placeholder is rejected")
    func unknownPlaceholder() {
        #expect(rejection(#"{"a":<nope>}"#) == "InputTemplate references <nope>, which InputPathsMap does not define.")
        #expect(rejection("text <nope>", ["id": "$.detail.entityId"]) == "InputTemplate references <nope>, which InputPathsMap does not define.")
    }

    @Test("Reserved names and aws.-prefixed names are rejected in InputPathsMap")
    func reservedInMap() {
        for name in InputTransformer.reservedNames.sorted() + ["aws.custom"] {
            #expect(rejection("x", [name: "$.detail"]) == "Input transformer variable \(name) is reserved.")
        }
        #expect(InputTransformer.reservedNames.count == 5)
    }

    @Test("Invalid paths and too many paths are rejected")
    func invalidMap() {
        #expect(rejection("x", ["id": "detail.entityId"]) == "Invalid InputPathsMap: detail.entityId is not a valid JSON path.")
        let many = Dictionary(uniqueKeysWithValues: (0...100).map { ("v\($0)", "$.detail") })
        #expect(rejection("x", many) == "InputPathsMap can have at most 100 entries.")
        let hundred = Dictionary(uniqueKeysWithValues: (0..<100).map { ("v\($0)", "$.detail") })
        #expect(throws: Never.self) { try InputTransformer(inputPathsMap: hundred, inputTemplate: "x") }
    }

    @Test("Equality is by paths and template")
    func equality() throws {
        let a = try InputTransformer(inputPathsMap: ["id": "$.detail.entityId"], inputTemplate: "<id>")
        let b = try InputTransformer(inputPathsMap: ["id": "$.detail.entityId"], inputTemplate: "<id>")
        let c = try InputTransformer(inputPathsMap: ["id": "$.detail.entityId"], inputTemplate: "x <id>")
        #expect(a == b)
        #expect(a != c)
        #expect(a.inputTemplate == "<id>")
        #expect(a.inputPathsMap["id"] == (try JSONPath("$.detail.entityId")))
    }
}

extension InputTransformerTests {
    @Test("A JSON array template inserts JSON values too")
    func arrayTemplate() throws {
        let output = try render("[<id>, <count>, \"n: <id>\"]", ["id": "$.detail.entityId", "count": "$.detail.count"])
        #expect(output == #"["e1",3,"n: e1"]"#)
    }
}
