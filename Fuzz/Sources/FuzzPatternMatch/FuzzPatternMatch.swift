import EventPatterns
import Foundation
import FuzzSupport
import PushBridgeJSON

// Why: routing must agree with itself (one rule or many, any flattening) and with the golden results.
//
// Two kinds of input:
// - `pattern NUL event` (free): the event is matched by every golden pattern and by the input's pattern (when it
//   compiles), one by one and through one shared RuleMatcher; the matcher's answer, from the event's JSON (which
//   it flattens keeping only the paths its rules read) and from a full FlattenedEvent, must be exactly the set of
//   patterns that match one by one, also after the input's rule is removed again.
// - `G i i s value…` (golden): golden case `i` (two bytes, big-endian, modulo the case count) with its event's
//   members and array elements shuffled by seed `s` and `value…` (JSON, or else taken as a string) added under
//   a key no golden pattern reads; the result must still be the golden one.
@main
enum FuzzPatternMatch {
    struct Golden {
        let name: String
        let pattern: EventPattern
        let event: JSONValue?
        let expected: Bool?
    }

    static let golden = loadGolden()
    static let goldenWithEvents = golden.indices.filter { golden[$0].event != nil && golden[$0].expected != nil }
    /// Every golden pattern in one matcher, rule id = index in `golden`.
    static let shared: RuleMatcher<Int> = {
        var matcher = RuleMatcher<Int>()
        for (index, entry) in golden.enumerated() { matcher.add(entry.pattern, for: index) }
        return matcher
    }()
    /// A top-level key no golden pattern mentions: adding a member under it cannot change a result.
    static let extraKey = "\u{1}fuzz-extra"
    static let inputRule = -1

    static func main() {
        precondition(shared.count == golden.count && !goldenWithEvents.isEmpty)
        Fuzz.run { data in
            if data.first == UInt8(ascii: "G") { goldenCase(Array(data.dropFirst())) } else { freeForm(data) }
        }
    }

    static func freeForm(_ data: UnsafeRawBufferPointer) {
        let parts = Fuzz.parts(data, count: 2)
        guard let event = try? JSONParser.parse(parts[1]) else { return }
        let flat = FlattenedEvent(event)
        var expected = Set(golden.indices.filter { golden[$0].pattern.matches(flat) })
        var matcher = shared
        if let pattern = try? EventPattern(json: Fuzz.text(parts[0])) {
            let matches = pattern.matches(flat)
            Fuzz.require(pattern.matches(event) == matches, "EventPattern.matches: JSON and FlattenedEvent disagree")
            var single = RuleMatcher<Int>()
            single.add(pattern, for: inputRule)
            Fuzz.require(single.matchingRules(for: event) == (matches ? [inputRule] : []), "a one-rule matcher disagrees with the pattern")
            matcher.add(pattern, for: inputRule)
            if matches { expected.insert(inputRule) }
        }
        Fuzz.require(
            matcher.matchingRules(for: flat) == expected,
            "shared matcher (flattened event) \(diff(matcher.matchingRules(for: flat), expected))"
        )
        Fuzz.require(
            matcher.matchingRules(for: event) == expected,
            "shared matcher (event JSON) \(diff(matcher.matchingRules(for: event), expected))"
        )
        if matcher.contains(inputRule) {
            matcher.remove(inputRule)
            expected.remove(inputRule)
            Fuzz.require(matcher.matchingRules(for: event) == expected, "after remove: \(diff(matcher.matchingRules(for: event), expected))")
        }
    }

    static func goldenCase(_ bytes: [UInt8]) {
        guard bytes.count >= 3 else { return }
        let index = goldenWithEvents[(Int(bytes[0]) << 8 | Int(bytes[1])) % goldenWithEvents.count]
        let entry = golden[index]
        var random = Shuffler(seed: bytes[2])
        guard case .object(var event) = random.shuffled(entry.event!) else { return }
        let extra = Array(bytes.dropFirst(3))
        event[extraKey] = (try? JSONParser.parse(extra)) ?? .string(Fuzz.text(extra))
        let expected = entry.expected!
        let changed = JSONValue.object(event)
        Fuzz.require(entry.pattern.matches(changed) == expected, "\(entry.name): expected \(expected) for \(changed.jsonText)")
        Fuzz.require(shared.matchingRules(for: changed).contains(index) == expected, "\(entry.name): shared matcher, \(changed.jsonText)")
    }

    static func diff(_ got: Set<Int>, _ expected: Set<Int>) -> String {
        func names(_ ids: Set<Int>) -> [String] { ids.sorted().map { $0 == inputRule ? "<input>" : golden[$0].name } }
        return "matched \(names(got.subtracting(expected))) but not \(names(expected.subtracting(got)))"
    }

    /// Golden/cases.json of the EventPatterns tests, read from the checkout this file was compiled in.
    static func loadGolden() -> [Golden] {
        let path =
            ProcessInfo.processInfo.environment["PUSHBRIDGE_GOLDEN"]
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "../../../Tests/EventPatternsTests/Golden/cases.json"
            )
            .standardized.path
        guard let data = FileManager.default.contents(atPath: path), case .array(let entries) = try? JSONParser.parse(Array(data)) else {
            fatalError("cannot read the golden cases at \(path) (set PUSHBRIDGE_GOLDEN)")
        }
        return entries.compactMap { entry -> Golden? in
            func text(_ key: String) -> String? {
                guard let value = entry[key] else { return nil }
                if case .string(let raw) = value { return raw }
                return value.jsonText
            }
            guard let patternText = text("pattern"), let pattern = try? EventPattern(json: patternText) else { return nil }
            precondition(!patternText.contains("fuzz-extra"), "a golden pattern reads the fuzzer's extra key")
            var expected: Bool?
            if case .bool(let flag)? = entry["matches"] { expected = flag }
            return Golden(
                name: entry["name"]?.stringValue ?? "?",
                pattern: pattern,
                event: text("event").flatMap { try? JSONParser.parse($0) },
                expected: expected
            )
        }
    }
}

/// Reorders object members and array elements, deterministically from one seed byte (a small LCG).
struct Shuffler {
    private var state: UInt32

    init(seed: UInt8) { state = UInt32(seed) &* 2_654_435_761 &+ 1 }

    mutating func next(_ bound: Int) -> Int {
        state = state &* 1_103_515_245 &+ 12345
        return Int((state >> 16) % UInt32(bound))
    }

    mutating func shuffled(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let elements): return .array(shuffle(elements.map { shuffled($0) }))
        case .object(let object): return .object(JSONObject(shuffle(object.map { ($0.key, shuffled($0.value)) })))
        default: return value
        }
    }

    private mutating func shuffle<Element>(_ elements: [Element]) -> [Element] {
        var elements = elements
        for index in elements.indices.dropLast() {
            elements.swapAt(index, index + next(elements.count - index))
        }
        return elements
    }
}
