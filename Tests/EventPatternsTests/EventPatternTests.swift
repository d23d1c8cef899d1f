import EventPatterns
import PushBridgeJSON
import Testing

@Suite("EventPattern API")
struct EventPatternTests {
    @Test("A syntax error carries Jackson's location line")
    func syntaxErrorMessage() {
        let text = #"{"source": [shop]}"#
        #expect {
            _ = try EventPattern(json: text)
        } throws: { error in
            guard let error = error as? InvalidEventPattern else { return false }
            return error.message == """
                Event pattern is not valid. Reason: Unrecognized token 'shop': was expecting (JSON String, Number, Array, \
                Object or token 'null', 'true' or 'false')
                 at [Source: (String)"{"source": [shop]}"; line: 1, column: 17]
                """
        }
    }

    @Test("A semantic error has the plain AWS message")
    func semanticErrorMessage() {
        #expect(throws: InvalidEventPattern(reason: #""source" must be an object or an array"#, pattern: #"{"source":"x"}"#)) {
            _ = try EventPattern(json: #"{"source":"x"}"#)
        }
    }

    @Test("Limits: length is clamped to 4096 and configurable")
    func limits() throws {
        #expect(PatternLimits(maximumLength: 10_000).maximumLength == 4096)
        var limits = PatternLimits.default
        limits.maximumLength = 5000
        #expect(limits.maximumLength == 4096)
        let long = #"{"source":[""# + String(repeating: "x", count: 3000) + #""]}"#
        #expect(throws: InvalidEventPattern.self) { _ = try EventPattern(json: long) }
        _ = try EventPattern(json: long, limits: PatternLimits(maximumLength: 4096))
    }

    @Test("Limits: $or combinations and wildcard complexity are configurable")
    func configurableLimits() throws {
        let text = #"{"$or":[{"a":["1"]},{"b":["1"]}],"c":{"$or":[{"d":["1"]},{"e":["1"]}]}}"#
        #expect(try EventPattern(json: text).subRuleCount == 4)
        #expect(throws: InvalidEventPattern.self) { _ = try EventPattern(json: text, limits: PatternLimits(maximumOrCombinations: 3)) }
        let wildcard = #"{"a":[{"wildcard":"*:*:*:*:*:event-bus/*"}]}"#
        _ = try EventPattern(json: wildcard, limits: PatternLimits(maximumWildcardComplexity: 20))
        #expect(throws: InvalidEventPattern.self) {
            _ = try EventPattern(json: #"{"a":[{"wildcard":"a*b*c"}]}"#, limits: PatternLimits(maximumWildcardComplexity: 2))
        }
    }

    @Test("source keeps the original text")
    func source() throws {
        let text = #"{ "source" : [ "a" ] }"#
        #expect(try EventPattern(json: text).source == text)
    }
}
