import PushBridgeJSON
import Testing

@Suite("JSONParser: values")
struct JSONParserValueTests {
    @Test("Literals and scalars at the top level")
    func scalars() throws {
        #expect(try JSONParser.parse("null") == .null)
        #expect(try JSONParser.parse("true") == .bool(true))
        #expect(try JSONParser.parse("false") == .bool(false))
        #expect(try JSONParser.parse("42") == .number(JSONNumber(text: "42")))
        #expect(try JSONParser.parse(#""text""#) == .string("text"))
        #expect(try JSONParser.parse(" \t\r\n 7 \n\t\r ") == 7)
    }

    @Test("Arrays keep order and mix types")
    func arrays() throws {
        #expect(try JSONParser.parse("[]") == .array([]))
        #expect(try JSONParser.parse("[ ]") == .array([]))
        let value = try JSONParser.parse(#"[1, "two", true, null, [3], {"four": 4}]"#)
        #expect(value == [1, "two", true, nil, [3], ["four": 4]])
        #expect(value.arrayValue?.count == 6)
    }

    @Test("Objects keep member order")
    func objects() throws {
        #expect(try JSONParser.parse("{}") == .object(JSONObject()))
        let value = try JSONParser.parse(#"{"z": 1, "a": {"m": [true]}, "b": null}"#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["z", "a", "b"])
        #expect(value["a"]?["m"] == [true])
        #expect(value["b"] == .null)
        #expect(value["missing"] == nil)
        #expect(JSONValue.string("x")["a"] == nil)
    }

    @Test("Duplicate keys: the last value wins, in the first key's position")
    func duplicateKeys() throws {
        let value = try JSONParser.parse(#"{"a": 1, "b": 2, "a": 3}"#)
        let object = try #require(value.objectValue)
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == 3)
        #expect(value.jsonText == #"{"a":3,"b":2}"#)
    }

    @Test("Duplicate keys in a large object (found by position, not by scanning) follow the same rule")
    func duplicateKeysInALargeObject() throws {
        let members = (0..<100).map { #""k\#($0)":\#($0)"# } + [#""k3":"late""#, #""k99":"last""#, #""new":true"#]
        let object = try #require(try JSONParser.parse("{" + members.joined(separator: ",") + "}").objectValue)
        #expect(object.count == 101)
        #expect(object.keys.prefix(4) == ["k0", "k1", "k2", "k3"])
        #expect(object.keys.last == "new")
        #expect(object["k3"] == "late")
        #expect(object["k99"] == "last")
        #expect(object["k50"] == 50)
    }

    @Test("An object of 40,000 members is read whole")
    func manyMembers() throws {
        let text = "{" + (0..<40_000).map { #""\#($0)":0"# }.joined(separator: ",") + "}"
        let object = try #require(try JSONParser.parse(text).objectValue)
        #expect(object.count == 40_000)
        #expect(object["39999"] == 0)
    }

    @Test("Booleans are not numbers")
    func boolIsNotNumber() throws {
        #expect(try JSONParser.parse("true") != JSONParser.parse("1"))
        #expect(try JSONParser.parse("false") != JSONParser.parse("0"))
    }

    @Test("Simple escapes")
    func simpleEscapes() throws {
        #expect(try JSONParser.parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
        #expect(try JSONParser.parse(#""a\nb""#) == .string("a\nb"))
    }

    @Test("Plain runs between escapes, with multi-byte characters, are kept whole")
    func runsBetweenEscapes() throws {
        #expect(try JSONParser.parse(#""{\"entityId\":\"é中😀\",\"n\":1}""#) == .string(#"{"entityId":"é中😀","n":1}"#))
        #expect(try JSONParser.parse(#""\nab\tcd\\""#) == .string("\nab\tcd\\"))
    }

    @Test("Unicode escapes, upper and lower case hex")
    func unicodeEscapes() throws {
        #expect(try JSONParser.parse(#""\u0041\u00e9\u00E9\u4e2d""#) == .string("Aéé中"))
        #expect(try JSONParser.parse(#""\u0000""#) == .string("\u{0}"))
        #expect(try JSONParser.parse(#""x\u0020y""#) == .string("x y"))
    }

    @Test("A surrogate pair decodes to one scalar")
    func surrogatePairs() throws {
        #expect(try JSONParser.parse(#""\uD83D\uDE00""#) == .string("😀"))
        #expect(try JSONParser.parse(#""a\ud834\udd1eb""#) == .string("a𝄞b"))
        let string = try #require(try JSONParser.parse(#""\uD83D\uDE00""#).stringValue)
        #expect(string.unicodeScalars.count == 1)
    }

    @Test("Raw UTF-8 and DEL pass through")
    func rawUTF8() throws {
        #expect(try JSONParser.parse(#""héllo 😀 中""#) == .string("héllo 😀 中"))
        #expect(try JSONParser.parse("\"a\u{7F}b\"") == .string("a\u{7F}b"))
        #expect(try JSONParser.parse(Array(#"{"k":"é"}"#.utf8)) == ["k": "é"])
    }

    @Test("Number text is kept exactly as written")
    func numberText() throws {
        for text in ["0", "-0", "1.50", "1E+2", "1e-7", "-12.5e10", "300.0", "3e2", "12345678901234567890", "0.10000000000000001"] {
            guard case .number(let number) = try JSONParser.parse(text) else {
                Issue.record("\(text) did not parse as a number")
                continue
            }
            #expect(number.text == text)
            #expect(JSONValue.number(number).jsonText == text)
        }
    }

    @Test("Numbers compare by value: 300 == 300.0 == 3e2")
    func numberEqualityByValue() throws {
        let a = try JSONParser.parse("300")
        let b = try JSONParser.parse("300.0")
        let c = try JSONParser.parse("3e2")
        #expect(a == b)
        #expect(b == c)
        #expect(Set([a, b, c]).count == 1)
        #expect(try JSONParser.parse("301") != a)
        #expect(try JSONParser.parse(#"{"n":300}"#) == JSONParser.parse(#"{"n":3.0e2}"#))
    }

    @Test("Nesting up to the default depth of 1000 is accepted")
    func depthAtLimit() throws {
        let text = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
        var value = try JSONParser.parse(text)
        var depth = 0
        while case .array(let inner) = value {
            depth += 1
            guard let first = inner.first else { break }
            value = first
        }
        #expect(depth == 1000)
    }
}
