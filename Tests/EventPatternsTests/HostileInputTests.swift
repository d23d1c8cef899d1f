import PushBridgeJSON
import TestSupport
import Testing

@testable import EventPatterns

/// Events and patterns come from unauthenticated requests (PutEvents, PutRule, TestEventPattern). Each case here
/// once stopped the whole process on an arithmetic overflow or asked for hundreds of megabytes.
@Suite("Hostile input")
struct HostileInputTests {
    private func event(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

    @Test("Event numbers with exponents beyond Int's range neither trap nor lose their value")
    func hugeExponentsInEvents() throws {
        let zero = try EventPattern(json: #"{"a":[0]}"#)
        let positive = try EventPattern(json: #"{"a":[{"numeric":[">",0]}]}"#)
        let zeros = [
            "0e9223372036854775807", "0.00e-9223372036854775808", "-0.0e99999999999999999999",
            "0e" + String(repeating: "9", count: 100_000),
        ]
        for text in zeros {
            let event = try event(#"{"a":\#(text)}"#)
            #expect(zero.matches(event), "\(text.prefix(30)) is 0")
            #expect(!positive.matches(event), "\(text.prefix(30)) is 0")
        }
        // Nonzero digits: the value is 0 or infinite in Double, so not exact, and it matches by its text only.
        for text in ["1e-9223372036854775808", "0.001e9223372036854775807", "1e99999999999999999999"] {
            let event = try event(#"{"a":\#(text)}"#)
            #expect(!zero.matches(event), "\(text)")
            #expect(!positive.matches(event), "\(text)")
            #expect(try EventPattern(json: #"{"a":[\#(text)]}"#).matches(event), "\(text)")
        }
    }

    @Test("Exponents are clamped before the scale arithmetic")
    func exponentClamp() {
        #expect(NumberText.exactDouble("0e9223372036854775807") == 0)
        #expect(NumberText.exactDouble("0.000e-9223372036854775808") == 0)
        #expect(NumberText.exactDouble("1e-9223372036854775808") == nil)
        #expect(NumberText.exactDouble("1" + String(repeating: "0", count: 400) + "e-400") == 1)
        #expect(NumberText.exactDouble("0.\(String(repeating: "0", count: 400))15e402") == 15)
        let limit = NumberText.Decimal.exponentLimit
        #expect(NumberText.Decimal("5e99999999999999999999")?.exponent == 1 + limit)
        #expect(NumberText.Decimal("0.05e-9223372036854775808")?.exponent == -1 - limit)
    }

    @Test("Pattern numbers with huge exponents compile or fail with the AWS message, never trap")
    func hugeExponentsInPatterns() throws {
        // Zero whatever the exponent, so a valid bound or value.
        let below = try EventPattern(json: #"{"a":[{"numeric":["<",0e9223372036854775807]}]}"#)
        #expect(below.matches(try event(#"{"a":-1}"#)))
        #expect(!below.matches(try event(#"{"a":0}"#)))
        let notZero = try EventPattern(json: #"{"a":[{"anything-but":[0.0e-9223372036854775808]}]}"#)
        #expect(notZero.matches(try event(#"{"a":1}"#)))
        #expect(!notZero.matches(try event(#"{"a":-0}"#)))
        #expect(try EventPattern(json: #"{"a":[0e9223372036854775807]}"#).matches(try event(#"{"a":0.0}"#)))
        for bound in ["1e-9223372036854775808", "9e999", "-1e99999999999999999999"] {
            let text = #"{"a":[{"numeric":[">",\#(bound)]}]}"#
            #expect(throws: InvalidEventPattern(reason: "Cannot compare number : \(bound)", pattern: text)) {
                _ = try EventPattern(json: text)
            }
        }
        #expect(try EventPattern(json: #"{"a":[{"numeric":[">",1e308]}]}"#).matches(try event(#"{"a":1.7976931348623157e308}"#)))
    }

    @Test("CIDR mask lengths far out of range are pattern errors")
    func cidrMaskLengths() throws {
        let cases = [
            ("10.0.0.0/999999999999999999", "IPv4 mask bits must be < 32"),
            ("10.0.0.0/99999999999999999999", "Malformed CIDR, mask bits must be an integer"),
            ("::/-9223372036854775808", "Malformed CIDR, mask bits must not be negative"),
            ("2001:db8::/999999999999999999", "IPv6 mask bits must be < 128"),
        ]
        for (cidr, reason) in cases {
            let text = #"{"ip":[{"cidr":"\#(cidr)"}]}"#
            #expect(throws: InvalidEventPattern(reason: reason, pattern: text)) { _ = try EventPattern(json: text) }
        }
        #expect(try EventPattern(json: #"{"ip":[{"cidr":"2001:db8::/127"}]}"#).matches(try event(#"{"ip":"2001:db8::1"}"#)))
    }

    @Test("A wildcard complexity limit of Int.max means no limit, not an overflow")
    func unlimitedWildcardComplexity() throws {
        let pattern = try WildcardPattern(parsing: "*ab*ba*aab*bba*abab")
        #expect(pattern.complexity(exceedingLimit: .max, maximumSubsets: 3) == .max)
        #expect(pattern.complexity(exceedingLimit: 1000, maximumSubsets: 3) == 1001)
        let limits = PatternLimits(maximumWildcardComplexity: .max)
        #expect(try EventPattern(json: #"{"a":[{"wildcard":"*a*b*c*d*e*f*g"}]}"#, limits: limits).matches(try event(#"{"a":"abcdefg"}"#)))
    }

    @Test("One pattern's wildcard checks share one work budget, so long wildcards cannot hold a thread for seconds")
    func wildcardWorkIsBudgetedPerPattern() throws {
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        func text(_ count: Int) -> String { String((0..<count).map { letters[$0 % letters.count] }) }
        let loose = PatternLimits(maximumLength: PatternLimits.absoluteMaximumLength, maximumWildcardComplexity: 50)
        let tooComplex = "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character"

        // Within the complexity limit, but exploring it takes more steps than one pattern may spend.
        let long = try WildcardPattern(parsing: "x*" + text(300) + "*" + text(300) + "*" + text(300))
        let unbounded = WildcardWorkBudget(steps: .max)
        #expect(long.complexity(exceedingLimit: 50, budget: unbounded) <= 50)
        #expect(Int.max - unbounded.remainingSteps > WildcardWorkBudget.defaultSteps)
        #expect(long.complexity(exceedingLimit: 50, budget: WildcardWorkBudget()) == 51)
        #expect(long.complexity(exceedingLimit: .max, budget: WildcardWorkBudget(steps: 10)) == .max)
        let longPattern = #"{"a":[{"wildcard":"x*\#(text(300))*\#(text(300))*\#(text(300))"}]}"#
        #expect(throws: InvalidEventPattern(reason: tooComplex, pattern: longPattern)) {
            _ = try EventPattern(json: longPattern, limits: loose)
        }

        // One of these fits the budget (and the default complexity limit); three in one pattern do not.
        let medium = "*" + text(150) + "*" + text(150)
        let one = #"{"a":[{"wildcard":"\#(medium)"}]}"#
        #expect(try EventPattern(json: one).matches(try event(#"{"a":"\#(text(150) + text(150))"}"#)))
        let three = #"{"a":[{"wildcard":"\#(medium)"}],"b":[{"wildcard":"\#(medium)"}],"c":[{"wildcard":"\#(medium)"}]}"#
        #expect(throws: InvalidEventPattern(reason: tooComplex, pattern: three)) { _ = try EventPattern(json: three, limits: loose) }

        // The budget is one of the limits: the one pattern that fits the default budget does not fit a tenth of it.
        let smallBudget = PatternLimits(maximumWildcardSteps: PatternLimits.defaultWildcardSteps / 10)
        #expect(throws: InvalidEventPattern(reason: tooComplex, pattern: one)) { _ = try EventPattern(json: one, limits: smallBudget) }
        #expect(try EventPattern(json: #"{"a":[{"wildcard":"*.example.*"}]}"#, limits: smallBudget).subRuleCount == 1)
    }

    @Test("A thousand nested arrays around many numbers flatten to one record per array element")
    func deepArraysFlattenLinearly() throws {
        let depth = 999
        let count = 100_000
        let numbers = Array(repeating: "1", count: count).joined(separator: ",")
        let text = #"{"a":"# + String(repeating: "[", count: depth) + numbers + String(repeating: "]", count: depth) + "}"
        let event = try event(text)
        let flattened = FlattenedEvent(event)
        #expect(flattened.leaves.count == count)
        // Each leaf used to copy its trail of 999 arrays: 100,000 × 999 steps, 800 MB for this 200 KB event.
        #expect(flattened.elements.count == depth - 1 + count)
        #expect(try EventPattern(json: #"{"a":[1]}"#).matches(event))
        #expect(!(try EventPattern(json: #"{"a":[2]}"#).matches(event)))
        #expect(try EventPattern(json: #"{"a":[{"numeric":["=",1]}]}"#).flattened(event).elements.count == depth - 1 + count)
    }

    @Test("Array consistency holds deep inside nested arrays")
    func consistencyInDeepArrays() throws {
        let open = String(repeating: "[", count: 900)
        let close = String(repeating: "]", count: 900)
        let metrics = #"[{"name":"cpu","ns":"EC2"},{"name":"mem","ns":"ES"}],[{"name":"cpu","ns":"ES"}]"#
        let event = try event(#"{"m":\#(open)\#(metrics)\#(close)}"#)
        #expect(try EventPattern(json: #"{"m":{"name":["cpu"],"ns":["ES"]}}"#).matches(event))
        #expect(try EventPattern(json: #"{"m":{"name":["mem"],"ns":["ES"]}}"#).matches(event))
        #expect(!(try EventPattern(json: #"{"m":{"name":["mem"],"ns":["EC2"]}}"#).matches(event)))
    }

    @Test("Consistency from shared element records agrees with comparing whole trails")
    func consistencyAgreesWithTrails() {
        var random = SplitMix(seed: 7)
        var outcomes: Set<Bool> = []
        for _ in 0..<40 {
            let event: JSONValue = ["a": Self.randomValue(depth: 0, using: &random), "b": Self.randomValue(depth: 0, using: &random)]
            let flattened = FlattenedEvent(event)
            /// The trail as the flattener once copied it into each leaf: (array, element), outermost first.
            func trail(_ leaf: Int32) -> [(array: Int32, element: Int32)] {
                var steps: [(array: Int32, element: Int32)] = []
                var element = flattened.leaves[Int(leaf)].element
                while element != ArrayElement.none {
                    steps.append((flattened.elements[Int(element)].array, element))
                    element = flattened.elements[Int(element)].parent
                }
                return steps.reversed()
            }
            /// The lock-step comparison of whole trails used before.
            func consistent(_ first: Int32, _ second: Int32) -> Bool {
                for (mine, theirs) in zip(trail(first), trail(second)) {
                    guard mine.array == theirs.array else { return true }
                    guard mine.element == theirs.element else { return false }
                }
                return true
            }
            let leaves = Int32(0)..<Int32(flattened.leaves.count)
            for first in leaves {
                for second in leaves {
                    let expected = consistent(first, second)
                    #expect(flattened.areConsistent(first, second) == expected, "\(event.jsonText): leaves \(first), \(second)")
                    outcomes.insert(expected)
                }
            }
        }
        #expect(outcomes == [true, false], "the random events should have both consistent and inconsistent pairs")
    }

    @Test("Matching one pattern keeps only the paths it reads, however deep and long the event's keys")
    func patternFlattensOnlyItsPaths() throws {
        let key = String(repeating: "k", count: 1000)
        var text = ""
        for _ in 0..<500 { text += #"{"x":1,"\#(key)":"# }
        text += "1" + String(repeating: "}", count: 500)
        let event = try event(#"{"detail":\#(text)}"#)
        let pattern = try EventPattern(json: #"{"detail":{"x":[1]}}"#)
        // Every path of this 500 KB event: 500 of them, each repeating the long keys above it, 125 MB in all.
        #expect(pattern.flattened(event).paths == ["detail.x"])
        #expect(pattern.matches(event))
    }

    /// Objects and arrays up to four levels deep, with a few scalars.
    private static func randomValue(depth: Int, using random: inout SplitMix) -> JSONValue {
        let kind = depth >= 4 ? 0 : random.next() % 3
        let count = Int(random.next() % 4)
        switch kind {
        case 1: return .array((0..<count).map { _ in randomValue(depth: depth + 1, using: &random) })
        case 2: return .object(JSONObject((0..<count).map { ("k\($0)", randomValue(depth: depth + 1, using: &random)) }))
        default: return .number(JSONNumber(Int(random.next() % 3)))
        }
    }
}
