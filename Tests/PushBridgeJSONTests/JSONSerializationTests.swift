import PushBridgeJSON
import Testing

@Suite("JSONValue serialization")
struct JSONSerializationTests {
    @Test("Compact output, members in stored order, numbers as written")
    func compact() throws {
        let value = try JSONParser.parse(#" { "b" : [ 1.50 , true , null ] , "a" : { } , "c" : [ ] , "d" : -0 , "e" : 1E+2 } "#)
        #expect(value.jsonText == #"{"b":[1.50,true,null],"a":{},"c":[],"d":-0,"e":1E+2}"#)
    }

    @Test("Escaping: quote, backslash, short escapes and \\u00XX for other controls")
    func escaping() {
        #expect(JSONValue.quoted("plain") == #""plain""#)
        #expect(JSONValue.quoted("a\"b") == #""a\"b""#)
        #expect(JSONValue.quoted("a\\b") == #""a\\b""#)
        #expect(JSONValue.quoted("\n\r\t\u{08}\u{0C}") == #""\n\r\t\b\f""#)
        #expect(JSONValue.quoted("\u{0}\u{01}\u{1F}") == #""\u0000\u0001\u001f""#)
        #expect(JSONValue.quoted("x\u{1B}y") == #""x\u001by""#)
    }

    @Test("What JSON does not require escaping is written raw")
    func noNeedlessEscapes() {
        #expect(JSONValue.quoted("a/b") == #""a/b""#)
        #expect(JSONValue.quoted("é😀中\u{7F}") == "\"é😀中\u{7F}\"")
        #expect(JSONValue.quoted("é\n😀") == "\"é\\n😀\"")
        #expect(JSONValue.quoted("") == #""""#)
    }

    @Test("Keys are escaped too")
    func keys() {
        let value: JSONValue = ["a\"\n": 1]
        #expect(value.jsonText == #"{"a\"\n":1}"#)
    }

    @Test("write(to:) appends")
    func writeAppends() {
        var output = "prefix:"
        JSONValue.array([1, "x"]).write(to: &output)
        #expect(output == #"prefix:[1,"x"]"#)
    }

    @Test(
        "Round trip: parse(jsonText) gives the same value and the same text",
        arguments: [
            #"{"version":"0","id":"x","detail":{"n":[1,2.50,-3e-2],"s":"q\"\\\/\b\f\n\r\t\u0001é😀","t":true,"f":false,"z":null}}"#,
            #"[[],{},[[{}]],"",0]"#,
            #""\uD83D\uDE00 and \u0000""#,
            "12345678901234567890123",
            #"{"a":1,"a":2}"#,
        ]
    )
    func roundTrip(text: String) throws {
        let value = try JSONParser.parse(text)
        let written = value.jsonText
        let reparsed = try JSONParser.parse(written)
        #expect(reparsed == value)
        #expect(reparsed.jsonText == written)
    }

    @Test("Every control character survives a round trip")
    func controlRoundTrip() throws {
        let string = String(String.UnicodeScalarView((0..<0x20).map { Unicode.Scalar(UInt8($0)) }))
        let text = JSONValue.quoted(string)
        #expect(try JSONParser.parse(text) == .string(string))
        #expect(!text.utf8.dropFirst().dropLast().contains { $0 < 0x20 })
    }
}
