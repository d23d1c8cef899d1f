import PushBridgeJSON

/// EventBridge's InputTransformer: values picked from the event by `InputPathsMap` and placed into
/// `InputTemplate` as `<name>`.
///
/// A template that is a JSON object or array is compiled once into a tree, so rendering never re-parses it. Inside a JSON
/// string a placeholder inserts the value's text; elsewhere it inserts the value as JSON.
/// A placeholder whose path finds nothing inserts `null`, except as the whole value of an object member,
/// where the member is left out; this is PushBridge's choice, and how the original sample's push message
/// omits `message` when the event has none.
public struct InputTransformer: Sendable, Equatable {
    public static let reservedNames: Set<String> = [
        "aws.events.rule-name", "aws.events.rule-arn", "aws.events.event", "aws.events.event.json", "aws.events.event.ingestion-time",
    ]

    public let inputPathsMap: [String: JSONPath]
    public let inputTemplate: String
    private let compiled: Template
    /// What each slot holds, in slot order: only the names the template uses get one, and rendering fills an array
    /// by slot instead of a dictionary by name (this runs for every routed event).
    private let slots: [Slot]

    public struct InvalidTransformer: Error, Sendable, Equatable {
        public let message: String
    }

    private enum Slot: Sendable {
        case path(JSONPath)
        case reserved(String)
    }

    private indirect enum Template: Sendable {
        case json(Node)
        case text([Piece])
    }

    /// A JSON template's tree, written straight to text when rendering.
    private indirect enum Node: Sendable {
        /// A value without placeholders, as its JSON text.
        case literal(String)
        case placeholder(slot: Int)
        case string([Piece])
        case array([Node])
        /// Members with their keys as JSON text (quoted and escaped), so each is appended as it is.
        case object([(key: String, value: Node)])
    }

    private enum Piece: Sendable {
        case text(String)
        case placeholder(slot: Int)
    }

    public init(inputPathsMap: [String: String], inputTemplate: String) throws(InvalidTransformer) {
        guard inputPathsMap.count <= 100 else { throw InvalidTransformer(message: "InputPathsMap can have at most 100 entries.") }
        var paths: [String: JSONPath] = [:]
        for (name, text) in inputPathsMap {
            if Self.reservedNames.contains(name) || name.hasPrefix("aws.") {
                throw InvalidTransformer(message: "Input transformer variable \(name) is reserved.")
            }
            do {
                paths[name] = try JSONPath(text)
            } catch {
                throw InvalidTransformer(message: "Invalid InputPathsMap: \(text) is not a valid JSON path.")
            }
        }
        let known = Set(paths.keys).union(Self.reservedNames)
        let pieces = Self.pieces(of: inputTemplate)
        for case .placeholder(let name) in pieces where !known.contains(name) {
            throw InvalidTransformer(message: "InputTemplate references <\(name)>, which InputPathsMap does not define.")
        }
        self.inputPathsMap = paths
        self.inputTemplate = inputTemplate
        var slotOfName: [String: Int] = [:]
        var slots: [Slot] = []
        let slot = { (name: String) -> Int in
            if let slot = slotOfName[name] { return slot }
            slotOfName[name] = slots.count
            slots.append(paths[name].map(Slot.path) ?? .reserved(name))
            return slots.count - 1
        }
        self.compiled = try Self.compile(inputTemplate, known: known, slot: slot)
        self.slots = slots
    }

    public static func == (lhs: InputTransformer, rhs: InputTransformer) -> Bool {
        lhs.inputPathsMap == rhs.inputPathsMap && lhs.inputTemplate == rhs.inputTemplate
    }

    /// The most a rendered input may weigh: EventBridge's largest event. A template that repeats a large value
    /// (`<e><e><e>…` over a 256 KiB detail) would otherwise turn one event into hundreds of megabytes.
    public static let maximumRenderedBytes = 1 << 20

    /// The input for `event`, however large (for tests and tools; delivery uses ``render(_:context:limit:)``).
    public func render(_ event: Event, context: TargetInput.Context) -> String {
        render(event, context: context, limit: .max) ?? ""
    }

    /// The input for `event`, or nil if it would be longer than `limit` bytes.
    public func render(_ event: Event, context: TargetInput.Context, limit: Int) -> String? {
        var renderer = Renderer(values: slots.map { Self.value(of: $0, event: event, context: context) }, limit: limit)
        var output = ""
        switch compiled {
        case .text(let pieces): renderer.writeText(pieces, to: &output)
        case .json(let node): _ = renderer.write(node, to: &output)
        }
        return renderer.overLimit ? nil : output
    }

    private static func value(of slot: Slot, event: Event, context: TargetInput.Context) -> JSONValue? {
        switch slot {
        case .path(let path): return path.evaluate(event.json)
        case .reserved("aws.events.rule-name"): return .string(context.ruleName)
        case .reserved("aws.events.rule-arn"): return .string(context.ruleArn)
        case .reserved("aws.events.event.ingestion-time"): return .string(event.ingestedAt.rfc3339Seconds)
        case .reserved("aws.events.event.json"): return event.json
        case .reserved:
            guard case .object(var envelope) = event.json else { return nil }
            envelope["detail"] = nil
            return .object(envelope)
        }
    }

    // MARK: Compiling

    /// One pass: the `>` that may close a placeholder is found once and reused until an opening `<` passes it
    /// (searching for it again from every `<` made `<<<<…` quadratic), and a name stops at the next `<`.
    private static func pieces(of text: String) -> [NamedPiece] {
        var pieces: [NamedPiece] = []
        var rest = Substring(text)
        var nextClose: Substring.Index?
        while let open = rest.firstIndex(of: "<") {
            if nextClose.map({ $0 <= open }) ?? true { nextClose = rest[open...].firstIndex(of: ">") }
            guard let close = nextClose else { break }
            if rest[rest.index(after: open)..<close].allSatisfy(isNameCharacter), close > rest.index(after: open) {
                if open > rest.startIndex { pieces.append(.text(String(rest[..<open]))) }
                pieces.append(.placeholder(String(rest[rest.index(after: open)..<close])))
                rest = rest[rest.index(after: close)...]
            } else {
                pieces.append(.text(String(rest[...open])))
                rest = rest[rest.index(after: open)...]
            }
        }
        if !rest.isEmpty { pieces.append(.text(String(rest))) }
        return pieces
    }

    /// A piece of template text as found, before its placeholder is given a slot.
    private enum NamedPiece {
        case text(String)
        case placeholder(String)
    }

    private static func isNameCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "-" || character == "_" || character == "."
    }

    /// Replaces bare placeholders by marker strings so the template parses as JSON, then maps the tree.
    private static func compile(_ template: String, known: Set<String>, slot: (String) -> Int) throws(InvalidTransformer) -> Template {
        let marker = "\u{E000}pb-placeholder\u{E000}"
        let templatePieces = pieces(of: template)
        var text = ""
        var insideString = false
        var escaped = false
        for piece in templatePieces {
            switch piece {
            case .text(let literal):
                for character in literal {
                    if insideString {
                        if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { insideString = false }
                    } else if character == "\"" {
                        insideString = true
                    }
                }
                text += literal
            case .placeholder(let name):
                text += insideString ? "<\(name)>" : "\"\(marker)\(name)\""
            }
        }
        // Names the template's text itself does not know (a `<` written as `\u003c` inside a JSON string) insert nothing.
        func slotted(_ pieces: [NamedPiece]) -> [Piece] {
            pieces.map { piece in
                switch piece {
                case .text(let text): .text(text)
                case .placeholder(let name): known.contains(name) ? .placeholder(slot: slot(name)) : .text("")
                }
            }
        }
        guard let parsed = try? JSONParser.parse(text), parsed.objectValue != nil || parsed.arrayValue != nil else {
            return .text(slotted(templatePieces))
        }
        // A placeholder stands for a value; as an object key (`{<k>:1}`) it has no place in the JSON tree.
        func placeholderKey(_ value: JSONValue) -> String? {
            switch value {
            case .object(let object):
                for (key, member) in object {
                    if key.hasPrefix(marker) { return String(key.dropFirst(marker.count)) }
                    if let found = placeholderKey(member) { return found }
                }
                return nil
            case .array(let array): return array.lazy.compactMap(placeholderKey).first
            default: return nil
            }
        }
        if let name = placeholderKey(parsed) {
            throw InvalidTransformer(message: "InputTemplate uses <\(name)> as an object key; a placeholder may only stand for a value.")
        }
        func node(_ value: JSONValue) -> Node {
            switch value {
            case .string(let string):
                if string.hasPrefix(marker) { return .placeholder(slot: slot(String(string.dropFirst(marker.count)))) }
                let parts = pieces(of: string)
                return parts.contains { if case .placeholder(let name) = $0 { known.contains(name) } else { false } }
                    ? .string(slotted(parts)) : .literal(value.jsonText)
            case .array(let array): return .array(array.map(node))
            case .object(let object): return .object(object.map { (JSONValue.quoted($0.key), node($0.value)) })
            default: return .literal(value.jsonText)
            }
        }
        return .json(node(parsed))
    }

    // MARK: Rendering

    /// Writes a compiled template with the values of one event, and stops writing once the text is past `limit`
    /// bytes (a template that repeats a large value, `<e><e><e>…` over a 256 KiB detail, would otherwise turn one
    /// event into hundreds of megabytes).
    private struct Renderer {
        let values: [JSONValue?]
        let limit: Int
        /// Each value's text inside strings, made once however often the template names it.
        private var texts: [String?]
        private(set) var overLimit = false

        init(values: [JSONValue?], limit: Int) {
            self.values = values
            self.limit = limit
            texts = Array(repeating: nil, count: values.count)
        }

        /// Writes `node`; false (and nothing written) when it is a placeholder whose path found nothing.
        mutating func write(_ node: Node, to output: inout String) -> Bool {
            guard !overLimit else { return true }
            switch node {
            case .literal(let text): output += text
            case .placeholder(let slot):
                guard let value = values[slot] else { return false }
                value.write(to: &output)
            case .string(let pieces):
                var text = ""
                writeText(pieces, to: &text)
                JSONValue.writeString(text, to: &output)
            case .array(let nodes):
                output += "["
                for (index, node) in nodes.enumerated() {
                    if index > 0 { output += "," }
                    if !write(node, to: &output) { output += "null" }
                }
                output += "]"
            case .object(let members):
                output += "{"
                var first = true
                for (key, value) in members {
                    // A member whose placeholder found nothing is left out.
                    if case .placeholder(let slot) = value, values[slot] == nil { continue }
                    if !first { output += "," }
                    first = false
                    output += key
                    output += ":"
                    _ = write(value, to: &output)
                }
                output += "}"
            }
            if output.utf8.count > limit { overLimit = true }
            return true
        }

        /// Writes text pieces, each value as its text (a string's own characters, anything else as JSON).
        mutating func writeText(_ pieces: [Piece], to output: inout String) {
            for piece in pieces where !overLimit {
                switch piece {
                case .text(let text): output += text
                case .placeholder(let slot):
                    if let text = texts[slot] {
                        output += text
                    } else if let value = values[slot] {
                        let text = value.stringValue ?? value.jsonText
                        texts[slot] = text
                        output += text
                    }
                }
                if output.utf8.count > limit { overLimit = true }
            }
        }
    }
}
