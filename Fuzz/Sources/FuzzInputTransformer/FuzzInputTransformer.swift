import FuzzSupport
import PushBridgeCore
import PushBridgeJSON

// Why: InputTransformer templates and paths come from PutTargets and render every routed event.
//
// Input: `paths NUL template NUL detail`: InputPathsMap as `name=path` lines, InputTemplate, and the event's
// detail (JSON; anything else makes it `{}`). Properties checked besides "no crash":
// - rendering is deterministic;
// - a template compiled as JSON renders as JSON, and no output shows the transformer's internal placeholder marker;
// - each path's InputPath rendering is empty or JSON.
@main
enum FuzzInputTransformer {
    static let context = TargetInput.Context(ruleName: "fuzz-rule", ruleArn: "arn:aws:events:us-east-1:000000000000:rule/fuzz-rule")

    static func main() {
        Fuzz.run { data in
            let parts = Fuzz.parts(data, count: 3)
            var map: [String: String] = [:]
            for line in Fuzz.text(parts[0]).split(separator: "\n", omittingEmptySubsequences: true) {
                let pair = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                map[String(pair[0])] = pair.count > 1 ? String(pair[1]) : ""
            }
            let template = Fuzz.text(parts[1])
            let detail = (try? JSONParser.parse(parts[2])) ?? .object(JSONObject())
            let event = Event(
                id: "6f8b0c1e-0000-4000-8000-000000000000",
                source: "com.example.fuzz",
                detailType: "Entity Updated",
                account: "000000000000",
                region: "us-east-1",
                time: Timestamp(milliseconds: 1_714_564_800_000),
                resources: ["arn:aws:fuzz:us-east-1:000000000000:thing/1"],
                detail: detail,
                eventBusName: "default",
                ingestedAt: Timestamp(milliseconds: 1_714_564_800_123)
            )
            for text in map.values {
                guard let path = try? JSONPath(text) else { continue }
                let rendered = TargetInput.path(path).render(event, context: context)
                Fuzz.require(rendered.isEmpty || (try? JSONParser.parse(rendered)) != nil, "InputPath \(text) rendered \(rendered)")
            }
            guard let transformer = try? InputTransformer(inputPathsMap: map, inputTemplate: template) else { return }
            let output = transformer.render(event, context: context)
            Fuzz.require(output == transformer.render(event, context: context), "rendering twice differs")
            let marker = "\u{E000}pb-placeholder"
            let inputHasMarker = Fuzz.text(data).contains("pb-placeholder")
            Fuzz.require(inputHasMarker || !output.contains(marker), "the internal placeholder marker leaked into \(output.debugDescription)")
            if isJSONTemplate(template) {
                Fuzz.require((try? JSONParser.parse(output)) != nil, "JSON template \(template) rendered non-JSON \(output)")
            }
        }
    }

    /// Whether `InputTransformer` compiles the template as JSON: its placeholders outside JSON strings taken as
    /// string values, those inside left as they are, it must be a JSON object or array. Placeholders are found as
    /// the transformer finds them (`<` up to the next `>` when all between is name characters); the constructor has
    /// already refused unknown names. Strings are tracked the same way too: a quote not escaped by a backslash.
    static func isJSONTemplate(_ template: String) -> Bool {
        var text = ""
        var insideString = false
        var escaped = false
        func literal(_ part: Substring) {
            for character in part {
                if insideString {
                    if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { insideString = false }
                } else if character == "\"" {
                    insideString = true
                }
            }
            text += part
        }
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "<") {
            let afterOpen = rest.index(after: open)
            if let close = rest[open...].firstIndex(of: ">"), close > afterOpen, rest[afterOpen..<close].allSatisfy(isNameCharacter) {
                literal(rest[..<open])
                text += insideString ? String(rest[open...close]) : #""placeholder""#
                rest = rest[rest.index(after: close)...]
            } else {
                literal(rest[...open])
                rest = rest[afterOpen...]
            }
        }
        literal(rest)
        guard let value = try? JSONParser.parse(text) else { return false }
        return value.objectValue != nil || value.arrayValue != nil
    }

    static func isNameCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "-" || character == "_" || character == "."
    }
}
