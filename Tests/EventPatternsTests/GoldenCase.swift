import Foundation
import PushBridgeJSON
import Testing

/// One entry of `Golden/cases.json`: a pattern and either an event with the expected result, or the exact
/// reason the pattern must be rejected with. `pattern` and `event` are JSON values, or strings holding raw
/// JSON text (for number spellings and duplicate keys a parsed value cannot keep).
struct GoldenCase: Sendable, CustomTestStringConvertible {
    let name: String
    let patternText: String
    let eventText: String?
    let expectedMatch: Bool?
    let expectedError: String?

    var testDescription: String { name }

    static let all: [GoldenCase] = load()
    static var valid: [GoldenCase] { all.filter { $0.expectedMatch != nil } }
    static var invalid: [GoldenCase] { all.filter { $0.expectedError != nil } }

    private static func load() -> [GoldenCase] {
        guard let url = Bundle.module.url(forResource: "cases", withExtension: "json", subdirectory: "Golden"),
            let data = try? Data(contentsOf: url),
            let root = try? JSONParser.parse(String(decoding: data, as: UTF8.self)),
            case .array(let entries) = root
        else {
            fatalError("Golden/cases.json is missing or not a JSON array")
        }
        return entries.map { entry in
            func text(_ key: String) -> String? {
                guard let value = entry[key] else { return nil }
                if case .string(let raw) = value { return raw }
                return value.jsonText
            }
            var expectedMatch: Bool?
            if case .bool(let flag)? = entry["matches"] { expectedMatch = flag }
            return GoldenCase(
                name: entry["name"]?.stringValue ?? "?",
                patternText: text("pattern") ?? "",
                eventText: text("event"),
                expectedMatch: expectedMatch,
                expectedError: entry["error"]?.stringValue
            )
        }
    }

    var event: JSONValue {
        get throws { try JSONParser.parse(eventText ?? "{}") }
    }
}
