import PushBridgeJSON
import Testing

@Suite("JSONNumber")
struct JSONNumberTests {
    @Test("Text and double from JSON text")
    func fromText() {
        let number = JSONNumber(text: "1.50")
        #expect(number.text == "1.50")
        #expect(number.double == 1.5)
        #expect(number.description == "1.50")
    }

    @Test("Equality and hashing by value where representable")
    func valueEquality() {
        #expect(JSONNumber(text: "300") == JSONNumber(text: "300.0"))
        #expect(JSONNumber(text: "300") == JSONNumber(text: "3e2"))
        #expect(JSONNumber(text: "3E+2") == JSONNumber(text: "300.000"))
        #expect(JSONNumber(text: "-0") == JSONNumber(text: "0"))
        #expect(JSONNumber(text: "1") != JSONNumber(text: "1.0000001"))
        #expect(Set([JSONNumber(text: "300"), JSONNumber(text: "300.0"), JSONNumber(text: "3e2")]).count == 1)
        #expect(Set([JSONNumber(text: "-0"), JSONNumber(text: "0")]).count == 1)
        #expect(JSONNumber(300) == JSONNumber(text: "3e2"))
    }

    @Test("Numbers beyond Double compare by text")
    func outOfRange() {
        let huge = JSONNumber(text: "1e400")
        #expect(huge.double == nil)
        #expect(huge == JSONNumber(text: "1e400"))
        #expect(huge != JSONNumber(text: "1E400"))
        #expect(huge != JSONNumber(text: "1e308"))
        #expect(JSONNumber(text: "-1e400").double == nil)
    }

    @Test("Exponents beyond Int's range give zero or no double")
    func hugeExponents() {
        #expect(JSONNumber(text: "0e9223372036854775807").double == 0)
        #expect(JSONNumber(text: "1e-9223372036854775809").double == 0)
        #expect(JSONNumber(text: "1e99999999999999999999").double == nil)
        #expect(JSONNumber(text: "-1e99999999999999999999").double == nil)
        #expect(JSONNumber(text: "0e9223372036854775807") == JSONNumber(text: "-0"))
        #expect(JSONNumber(text: "1e99999999999999999999").int64 == nil)
    }

    @Test("int64 only for integer text in range")
    func int64() {
        #expect(JSONNumber(text: "300").int64 == 300)
        #expect(JSONNumber(text: "-9223372036854775808").int64 == Int64.min)
        #expect(JSONNumber(text: "9223372036854775808").int64 == nil)
        #expect(JSONNumber(text: "300.0").int64 == nil)
        #expect(JSONNumber(text: "3e2").int64 == nil)
    }

    @Test("Int and Double initialisers write JSON text")
    func initialisers() {
        #expect(JSONNumber(-7).text == "-7")
        #expect(JSONNumber(-7).double == -7)
        #expect(JSONNumber(3.0).text == "3")
        #expect(JSONNumber(2.5).text == "2.5")
        #expect(JSONNumber(1e20).text == "1e+20")
        #expect(JSONNumber(-0.25).text == "-0.25")
        #expect(JSONValue(floatLiteral: 2.5) == .number(JSONNumber(text: "2.5")))
        #expect(JSONValue(integerLiteral: 12) == .number(JSONNumber(text: "12")))
    }

    @Test("Double initialiser text parses back to the same value")
    func doubleRoundTrip() throws {
        for value in [0.1, 1.0 / 3.0, 123_456.789, 1e-10, 6.02e23, 999_999_999_999_999.0, -1e15] {
            let number = JSONNumber(value)
            let parsed = try JSONParser.parse(number.text)
            #expect(parsed == .number(number), "\(value) wrote \(number.text)")
            guard case .number(let back) = parsed else { continue }
            #expect(back.double == value)
        }
    }
}
