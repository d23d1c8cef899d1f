import FuzzSupport
import PushBridgeJSON

// Why: every untrusted body (PutEvents, patterns, admin requests, client frames) goes through this parser first.
//
// Input: any bytes, parsed as one JSON document. Properties checked besides "no crash":
// - the three entry points (bytes, [UInt8], String) agree, value and error alike;
// - only valid UTF-8 parses (RFC 8259 text);
// - a parsed value serializes to text that parses back to an equal value with an equal hash, and
//   serializing that again gives the same text;
// - nesting exactly at `maximumDepth` parses, one level deeper is rejected.
@main
enum FuzzJSONParser {
    static func main() {
        Fuzz.run { data in
            let bytes = Array(data)
            let fromBuffer = Result { () throws(JSONParseError) in try JSONParser.parse(bytes: data.assumingMemoryBound(to: UInt8.self)) }
            let fromArray = Result { () throws(JSONParseError) in try JSONParser.parse(bytes) }
            Fuzz.require(same(fromBuffer, fromArray), "parse(bytes:) and parse(_: [UInt8]) disagree: \(fromBuffer) vs \(fromArray)")
            let validText = String(validating: bytes, as: UTF8.self)
            if let validText {
                let fromString = Result { () throws(JSONParseError) in try JSONParser.parse(validText) }
                Fuzz.require(same(fromString, fromArray), "parse(String) and parse([UInt8]) disagree: \(fromString) vs \(fromArray)")
            }
            guard case .success(let value) = fromArray else { return }
            Fuzz.require(validText != nil, "invalid UTF-8 parsed as \(value.jsonText)")

            let text = value.jsonText
            guard let again = try? JSONParser.parse(text) else { return Fuzz.require(false, "serialized text does not parse: \(text)") }
            Fuzz.require(again == value, "round trip changed the value: \(text) became \(again.jsonText)")
            Fuzz.require(again.hashValue == value.hashValue, "equal values hash differently: \(text)")
            Fuzz.require(again.jsonText == text, "serializing is not stable: \(text) then \(again.jsonText)")

            // The limit applies to the text: a member overwritten by a later duplicate key still counted (found by
            // fuzzing: the harness used to measure the parsed value, which had lost the deeper member).
            let depth = nesting(ofText: bytes)
            Fuzz.require((try? JSONParser.parse(bytes, maximumDepth: depth)) != nil, "rejected at maximumDepth \(depth), its own nesting")
            if depth > 0 {
                Fuzz.require(
                    (try? JSONParser.parse(bytes, maximumDepth: depth - 1)) == nil,
                    "accepted at maximumDepth \(depth - 1) with nesting \(depth)"
                )
            }
        }
    }

    /// The same value with the same text (``JSONValue``'s `==` ignores member order and number spelling), or the same error.
    static func same(_ lhs: Result<JSONValue, JSONParseError>, _ rhs: Result<JSONValue, JSONParseError>) -> Bool {
        switch (lhs, rhs) {
        case (.success(let l), .success(let r)): l == r && l.jsonText == r.jsonText
        case (.failure(let l), .failure(let r)): l == r
        default: false
        }
    }

    /// Containers around the deepest leaf: 0 for a scalar, 1 for `[]` or `{}`.
    /// The deepest nesting of brackets in JSON text, strings skipped.
    static func nesting(ofText bytes: [UInt8]) -> Int {
        var depth = 0
        var deepest = 0
        var inString = false
        var escaped = false
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
        return deepest
    }
}
