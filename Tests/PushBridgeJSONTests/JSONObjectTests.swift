import PushBridgeJSON
import Testing

@Suite("JSONObject")
struct JSONObjectTests {
    @Test("Members keep insertion order; setting a key again replaces in place")
    func order() {
        var object = JSONObject([("b", 1), ("a", 2)])
        object["c"] = 3
        object["b"] = 10
        #expect(object.keys == ["b", "a", "c"])
        #expect(object.values == [10, 2, 3])
        #expect(object.count == 3)
        #expect(object[0].key == "b")
        #expect(object[0].value == 10)
    }

    @Test("Initialising with duplicates: last wins at the first position")
    func duplicateInit() {
        let object = JSONObject([("a", 1), ("b", 2), ("a", 3)])
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == 3)
    }

    @Test("Initialising with duplicates past the scanning limit: the same rule")
    func duplicateInitLarge() {
        let members: [(String, JSONValue)] = (0..<50).map { ("k\($0)", JSONValue.number(JSONNumber($0))) }
        let object = JSONObject(members + [("k0", "first again"), ("k49", "last again"), ("new", true)])
        #expect(object.count == 51)
        #expect(object.keys.first == "k0")
        #expect(object.keys.last == "new")
        #expect(object["k0"] == "first again")
        #expect(object["k49"] == "last again")
    }

    @Test("Setting nil removes a member")
    func removal() {
        var object = JSONObject([("a", 1), ("b", 2), ("c", 3)])
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
        #expect(object.values == [1, 3])
        object["missing"] = nil
        #expect(object.count == 2)
    }

    @Test("Equality and hashing ignore member order")
    func equality() {
        let ab = JSONObject([("a", 1), ("b", "x")])
        let ba = JSONObject([("b", "x"), ("a", 1)])
        #expect(ab == ba)
        #expect(Set([ab, ba]).count == 1)
        #expect(ab != JSONObject([("a", 1)]))
        #expect(ab != JSONObject([("a", 1), ("b", "y")]))
        #expect(ab != JSONObject([("a", 1), ("c", "x")]))
    }

    @Test("Dictionary literals build ordered objects")
    func literal() {
        let value: JSONValue = ["z": 1, "a": [true, nil]]
        #expect(value.objectValue?.keys == ["z", "a"])
        #expect(value.jsonText == #"{"z":1,"a":[true,null]}"#)
    }

    @Test("Type accessors")
    func accessors() {
        let value: JSONValue = ["s": "x", "a": [1], "o": [:], "n": nil]
        #expect(value["s"]?.stringValue == "x")
        #expect(value["a"]?.arrayValue == [1])
        #expect(value["o"]?.objectValue == JSONObject())
        #expect(value["n"]?.isNull == true)
        #expect(value["s"]?.isNull == false)
        #expect(value["s"]?.objectValue == nil)
        #expect(value["s"]?.arrayValue == nil)
        #expect(value["a"]?.stringValue == nil)
        #expect(["null", "boolean", "number", "string", "array", "object"] == [JSONValue.null, true, 1, "s", [], [:]].map(\.typeName))
        #expect(
            ["null", "a boolean", "a number", "a string", "an array", "an object"] == [JSONValue.null, true, 1, "s", [], [:]].map(\.typeDescription)
        )
    }
}
