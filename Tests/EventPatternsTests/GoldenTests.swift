import EventPatterns
import PushBridgeJSON
import Testing

@Suite("Golden cases")
struct GoldenTests {
    @Test("The golden file is substantial and names are unique")
    func inventory() {
        #expect(GoldenCase.valid.count >= 150)
        #expect(GoldenCase.invalid.count >= 11)
        #expect(Set(GoldenCase.all.map(\.name)).count == GoldenCase.all.count)
    }

    @Test("Valid pattern matches as expected", arguments: GoldenCase.valid)
    func valid(_ golden: GoldenCase) throws {
        let pattern = try EventPattern(json: golden.patternText)
        #expect(pattern.matches(try golden.event) == golden.expectedMatch)
        var matcher = RuleMatcher<String>()
        matcher.add(pattern, for: golden.name)
        #expect(matcher.matchingRules(for: try golden.event) == (golden.expectedMatch == true ? [golden.name] : []))
    }

    @Test("Invalid pattern is rejected with Ruler's reason", arguments: GoldenCase.invalid)
    func invalid(_ golden: GoldenCase) {
        #expect {
            _ = try EventPattern(json: golden.patternText)
        } throws: { error in
            guard let error = error as? InvalidEventPattern else { return false }
            #expect(error.reason == golden.expectedError)
            #expect(error.message.hasPrefix("Event pattern is not valid. Reason: \(golden.expectedError ?? "")"))
            return true
        }
    }

    /// All valid golden patterns in one matcher: for every golden event, the rules it matches must be
    /// exactly the patterns that match it one by one. Catches interference through shared indexes.
    @Test("One RuleMatcher holding every golden pattern agrees with the patterns one by one")
    func allPatternsTogether() throws {
        let cases = GoldenCase.valid
        let patterns = try cases.map { try EventPattern(json: $0.patternText) }
        var matcher = RuleMatcher<Int>()
        for (index, pattern) in patterns.enumerated() { matcher.add(pattern, for: index) }
        #expect(matcher.count == patterns.count)
        for golden in cases {
            let event = FlattenedEvent(try golden.event)
            let expected = Set(patterns.indices.filter { patterns[$0].matches(event) })
            #expect(matcher.matchingRules(for: event) == expected, "event of \(golden.name)")
            // From the JSON the matcher flattens only the paths its rules read: same answer.
            #expect(matcher.matchingRules(for: try golden.event) == expected, "event of \(golden.name), flattened by the matcher")
        }
    }
}
