import PushBridgeCore
import PushBridgeJSON
import Testing

@Suite("Event envelope")
struct EventTests {
    @Test("Keys in AWS's order: version,id,detail-type,source,account,time,region,resources,detail")
    func keyOrder() throws {
        let event = makeEvent(resources: ["arn:r1"])
        let object = try #require(event.json.objectValue)
        #expect(object.keys == ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"])
        #expect(
            event.jsonText
                == #"{"version":"0","id":"11111111-2222-3333-4444-555555555555","detail-type":"Entity Updated","source":"CLI","account":"123456789012","time":"2026-11-29T19:10:21Z","region":"us-east-1","resources":["arn:r1"],"detail":{"entityId":"myEntityId","message":"hi"}}"#
        )
    }

    @Test("time is RFC 3339 with whole seconds and Z")
    func timeFormat() {
        let event = makeEvent(time: Timestamp(milliseconds: 1_714_564_800_999))
        #expect(event.json["time"] == "2024-05-01T12:00:00Z")
        #expect(makeEvent(time: Timestamp(milliseconds: 0)).json["time"] == "1970-01-01T00:00:00Z")
    }

    @Test("detail is an object, not a string, and resources default to []")
    func detailIsObject() {
        let event = makeEvent(detail: ["n": .number(JSONNumber(text: "1.50"))])
        #expect(event.json["detail"]?.objectValue != nil)
        #expect(event.json["resources"] == .array([]))
        #expect(event.jsonText.hasSuffix(#""resources":[],"detail":{"n":1.50}}"#))
    }

    @Test("An event rebuilt from its JSON is the same event")
    func rebuild() throws {
        let original = makeEvent(resources: ["a", "b"])
        let rebuilt = try #require(Event(json: original.json, eventBusName: "bus", ingestedAt: t0.adding(seconds: 5)))
        #expect(rebuilt.jsonText == original.jsonText)
        #expect(rebuilt.id == original.id)
        #expect(rebuilt.time == original.time)
        #expect(rebuilt.eventBusName == "bus")
        #expect(rebuilt.ingestedAt == t0.adding(seconds: 5))
    }

    @Test("Rebuilding needs id, source, detail-type and detail")
    func rebuildRequires() throws {
        #expect(Event(json: ["id": "x", "source": "s", "detail-type": "t"], eventBusName: "b", ingestedAt: t0) == nil)
        #expect(Event(json: ["source": "s", "detail-type": "t", "detail": [:]], eventBusName: "b", ingestedAt: t0) == nil)
        #expect(Event(json: "not an object", eventBusName: "b", ingestedAt: t0) == nil)
        let minimal = try #require(Event(json: ["id": "x", "source": "s", "detail-type": "t", "detail": [:]], eventBusName: "b", ingestedAt: t0))
        #expect(minimal.time == t0)
        #expect(minimal.resources.isEmpty)
    }
}
