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
    /// The reserved variables the template uses; only these are computed per event.
    private let reservedInUse: Set<String>

    public struct InvalidTransformer: Error, Sendable, Equatable {
        public let message: String
    }

    private indirect enum Template: Sendable, Equatable {
        case json(Node)
        case text([Piece])
    }

    private indirect enum Node: Sendable, Equatable {
        case literal(JSONValue)
        case placeholder(String)
        case string([Piece])
        case array([Node])
        case object([(String, Node)])

        static func == (lhs: Node, rhs: Node) -> Bool {
            switch (lhs, rhs) {
            case (.literal(let l), .literal(let r)): l == r
            case (.placeholder(let l), .placeholder(let r)): l == r
            case (.string(let l), .string(let r)): l == r
            case (.array(let l), .array(let r)): l == r
            case (.object(let l), .object(let r)): l.count == r.count && zip(l, r).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
            default: false
            }
        }
    }

    private enum Piece: Sendable, Equatable {
        case text(String)
        case placeholder(String)
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
        var used = Set<String>()
        for case .placeholder(let name) in pieces where Self.reservedNames.contains(name) { used.insert(name) }
        self.reservedInUse = used
        self.compiled = try Self.compile(inputTemplate, known: known)
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
        var values: [String: JSONValue] = [:]
        for (name, path) in inputPathsMap {
            if let value = path.evaluate(event.json) { values[name] = value }
        }
        for name in reservedInUse {
            switch name {
            case "aws.events.rule-name": values[name] = .string(context.ruleName)
            case "aws.events.rule-arn": values[name] = .string(context.ruleArn)
            case "aws.events.event.ingestion-time": values[name] = .string(event.ingestedAt.rfc3339Seconds)
            case "aws.events.event.json": values[name] = event.json
            default:
                if case .object(var envelope) = event.json {
                    envelope["detail"] = nil
                    values[name] = .object(envelope)
                }
            }
        }
        switch compiled {
        case .text(let pieces): return Self.renderText(pieces, values: values, limit: limit)
        case .json(let node):
            var sizes: [String: Int] = [:]
            guard Self.estimate(node, values: values, sizes: &sizes) <= limit else { return nil }
            return Self.render(node, values: values)?.jsonText ?? "null"
        }
    }

    // MARK: Compiling

    /// One pass: the `>` that may close a placeholder is found once and reused until an opening `<` passes it
    /// (searching for it again from every `<` made `<<<<…` quadratic), and a name stops at the next `<`.
    private static func pieces(of text: String) -> [Piece] {
        var pieces: [Piece] = []
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

    private static func isNameCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "-" || character == "_" || character == "."
    }

    /// Replaces bare placeholders by marker strings so the template parses as JSON, then maps the tree.
    private static func compile(_ template: String, known: Set<String>) throws(InvalidTransformer) -> Template {
        let marker = "\u{E000}pb-placeholder\u{E000}"
        var text = ""
        var insideString = false
        var escaped = false
        for piece in pieces(of: template) {
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
        guard let parsed = try? JSONParser.parse(text), parsed.objectValue != nil || parsed.arrayValue != nil else {
            return .text(pieces(of: template))
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
                if string.hasPrefix(marker) { return .placeholder(String(string.dropFirst(marker.count))) }
                let parts = pieces(of: string)
                return parts.contains { if case .placeholder(let name) = $0 { known.contains(name) } else { false } }
                    ? .string(parts) : .literal(value)
            case .array(let array): return .array(array.map(node))
            case .object(let object): return .object(object.map { ($0.key, node($0.value)) })
            default: return .literal(value)
            }
        }
        return .json(node(parsed))
    }

    // MARK: Rendering

    private static func render(_ node: Node, values: [String: JSONValue]) -> JSONValue? {
        switch node {
        case .literal(let value): return value
        case .placeholder(let name): return values[name]
        case .string(let pieces): return .string(renderText(pieces, values: values) ?? "")
        case .array(let nodes): return .array(nodes.map { render($0, values: values) ?? .null })
        case .object(let members):
            var object = JSONObject()
            for (key, member) in members {
                if let value = render(member, values: values) { object[key] = value }
            }
            return .object(object)
        }
    }

    /// Each value's text is made once however often the template names it; past `limit` bytes: nil.
    private static func renderText(_ pieces: [Piece], values: [String: JSONValue], limit: Int = .max) -> String? {
        var output = ""
        var texts: [String: String] = [:]
        for piece in pieces {
            switch piece {
            case .text(let text): output += text
            case .placeholder(let name):
                if let text = texts[name] {
                    output += text
                } else if let value = values[name] {
                    let text = value.stringValue ?? value.jsonText
                    texts[name] = text
                    output += text
                }
            }
            if output.utf8.count > limit { return nil }
        }
        return output
    }

    /// About how long a JSON template's output is, each value weighed once.
    private static func estimate(_ node: Node, values: [String: JSONValue], sizes: inout [String: Int]) -> Int {
        func size(_ name: String) -> Int {
            if let known = sizes[name] { return known }
            let measured = values[name]?.estimatedTextBytes ?? 4
            sizes[name] = measured
            return measured
        }
        switch node {
        case .literal(let value): return value.estimatedTextBytes
        case .placeholder(let name): return size(name)
        case .string(let pieces):
            return pieces.reduce(2) { total, piece in
                switch piece {
                case .text(let text): total + text.utf8.count
                case .placeholder(let name): total + size(name)
                }
            }
        case .array(let nodes): return nodes.reduce(2) { $0 + estimate($1, values: values, sizes: &sizes) + 1 }
        case .object(let members):
            return members.reduce(2) { $0 + $1.0.utf8.count + 4 + estimate($1.1, values: values, sizes: &sizes) }
        }
    }
}
