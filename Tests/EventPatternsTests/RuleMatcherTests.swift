import EventPatterns
import PushBridgeJSON
import Testing

@Suite("RuleMatcher")
struct RuleMatcherTests {
    private func pattern(_ text: String) throws -> EventPattern { try EventPattern(json: text) }
    private func event(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

    @Test("add, match, remove")
    func addAndRemove() throws {
        var matcher = RuleMatcher<String>()
        matcher.add(try pattern(#"{"source":["a"]}"#), for: "ra")
        matcher.add(try pattern(#"{"source":["b"]}"#), for: "rb")
        matcher.add(try pattern(#"{"source":["a","b"]}"#), for: "rab")
        #expect(matcher.matchingRules(for: try event(#"{"source":"a"}"#)) == ["ra", "rab"])
        matcher.remove("ra")
        #expect(matcher.matchingRules(for: try event(#"{"source":"a"}"#)) == ["rab"])
        #expect(matcher.matchingRules(for: try event(#"{"source":"b"}"#)) == ["rb", "rab"])
        matcher.remove("rab")
        matcher.remove("rb")
        matcher.remove("unknown")
        #expect(matcher.isEmpty)
        #expect(matcher.matchingRules(for: try event(#"{"source":"a"}"#)).isEmpty)
    }

    @Test("Removing one of two rules sharing a condition keeps the other")
    func sharedConditions() throws {
        var matcher = RuleMatcher<Int>()
        let shared = try pattern(#"{"detail":{"status":[{"prefix":"ship"}]}}"#)
        matcher.add(shared, for: 1)
        matcher.add(shared, for: 2)
        matcher.remove(1)
        #expect(matcher.matchingRules(for: try event(#"{"detail":{"status":"shipped"}}"#)) == [2])
        matcher.add(shared, for: 1)
        #expect(matcher.matchingRules(for: try event(#"{"detail":{"status":"shipped"}}"#)) == [1, 2])
    }

    @Test("Adding to an existing rule id ORs the patterns")
    func addSameID() throws {
        var matcher = RuleMatcher<String>()
        matcher.add(try pattern(#"{"source":["a"]}"#), for: "r")
        matcher.add(try pattern(#"{"source":["b"]}"#), for: "r")
        #expect(matcher.count == 1)
        #expect(matcher.matchingRules(for: try event(#"{"source":"b"}"#)) == ["r"])
        matcher.remove("r")
        #expect(matcher.matchingRules(for: try event(#"{"source":"a"}"#)).isEmpty)
    }

    @Test("Thousands of rules: only the right ones match")
    func manyRules() throws {
        var matcher = RuleMatcher<Int>()
        for index in 0..<2000 {
            let text = """
                {"source":["svc-\(index)"],"detail":{"n":[{"numeric":[">",\(index)]}],"tag":[{"prefix":"t\(index % 10)"}]}}
                """
            matcher.add(try pattern(text), for: index)
        }
        let hit = try event(#"{"source":"svc-1234","detail":{"n":5000,"tag":"t4-x"}}"#)
        #expect(matcher.matchingRules(for: hit) == [1234])
        let miss = try event(#"{"source":"svc-1234","detail":{"n":5000,"tag":"t5-x"}}"#)
        #expect(matcher.matchingRules(for: miss).isEmpty)
        for index in stride(from: 0, to: 2000, by: 2) { matcher.remove(index) }
        #expect(matcher.count == 1000)
        #expect(matcher.matchingRules(for: hit).isEmpty)
        let odd = try event(#"{"source":"svc-1235","detail":{"n":5000,"tag":"t5"}}"#)
        #expect(matcher.matchingRules(for: odd) == [1235])
    }

    @Test("Rules added one by one agree with each pattern alone while anchors move as sharing grows")
    func anchorsMoveWithoutChangingResults() throws {
        // The first rules share nothing yet, so their anchors are poor (a broad `source`); later additions
        // re-anchor them. Whatever the anchors, the matcher must agree with the patterns one by one.
        let sources = ["a", "b", "c"]
        var patterns: [Int: EventPattern] = [:]
        var matcher = RuleMatcher<Int>()
        for index in 0..<600 {
            let text =
                index % 5 == 0
                ? #"{"source":["\#(sources[index % 3])"],"detail":{"n":[{"numeric":[">",\#(index)]}]}}"#
                : #"{"source":["\#(sources[index % 3])"],"detail":{"id":["e\#(index % 150)"],"tags":["t\#(index % 7)"]}}"#
            patterns[index] = try pattern(text)
            matcher.add(patterns[index]!, for: index)
        }
        for index in stride(from: 1, to: 600, by: 3) {
            matcher.remove(index)
            patterns[index] = nil
        }
        var matchesSeen = 0
        for probe in 0..<60 {
            let text = #"{"source":"\#(sources[probe % 3])","detail":{"id":"e\#(probe * 7 % 150)","n":\#(probe * 10),"tags":["x","t\#(probe % 7)"]}}"#
            let flattened = FlattenedEvent(try event(text))
            let expected = Set(patterns.filter { $0.value.matches(flattened) }.keys)
            #expect(matcher.matchingRules(for: flattened) == expected, "event \(text)")
            #expect(matcher.matchingRules(for: try event(text)) == expected, "event \(text), flattened by the matcher")
            matchesSeen += expected.count
        }
        #expect(matchesSeen > 20, "the probes should exercise both kinds of rule")
    }

    @Test("$or branches of one rule report the rule once")
    func orBranches() throws {
        var matcher = RuleMatcher<String>()
        matcher.add(try pattern(#"{"$or":[{"a":["1"]},{"b":["1"]},{"c":[{"exists":false}]}]}"#), for: "or")
        matcher.add(try pattern(#"{"a":["1"]}"#), for: "plain")
        #expect(matcher.matchingRules(for: try event(#"{"a":"1","b":"1","c":1}"#)) == ["or", "plain"])
        #expect(matcher.matchingRules(for: try event(#"{"c":1}"#)).isEmpty)
        #expect(matcher.matchingRules(for: try event(#"{"d":1}"#)) == ["or"])
    }

    @Test("Array consistency is per rule, not across rules")
    func arrayConsistencyAcrossRules() throws {
        var matcher = RuleMatcher<String>()
        matcher.add(try pattern(#"{"m":{"name":["cpu"],"ns":["ES"]}}"#), for: "cpu-es")
        matcher.add(try pattern(#"{"m":{"name":["cpu"],"ns":["EC2"]}}"#), for: "cpu-ec2")
        matcher.add(try pattern(#"{"m":{"name":["mem"],"ns":["ES"]}}"#), for: "mem-es")
        matcher.add(try pattern(#"{"m":{"name":["cpu"]}}"#), for: "cpu")
        let metrics = try event(#"{"m":[{"name":"cpu","ns":"EC2"},{"name":"mem","ns":"ES"}]}"#)
        #expect(matcher.matchingRules(for: metrics) == ["cpu-ec2", "mem-es", "cpu"])
    }

    @Test("Rules made only of exists:false match unless the event has their fields")
    func absenceOnlyRules() throws {
        var matcher = RuleMatcher<Int>()
        for index in 0..<50 { matcher.add(try pattern(#"{"f\#(index)":[{"exists":false}]}"#), for: index) }
        let event = try event(#"{"f3":1,"f7":{"x":1},"f9":[]}"#)
        #expect(matcher.matchingRules(for: event) == Set(0..<50).subtracting([3]))
    }

    @Test("A flattened event can be reused across matchers")
    func flattenedReuse() throws {
        let flattened = FlattenedEvent(try event(#"{"detail":{"items":[{"sku":"A"},{"sku":"B"}]},"a.b":1}"#))
        #expect(flattened.paths == ["a.b", "detail.items.sku"])
        #expect(try pattern(#"{"detail":{"items":{"sku":["B"]}}}"#).matches(flattened))
        #expect(try pattern(#"{"a":{"b":[1]}}"#).matches(flattened))
    }
}
