import PushBridgeJSON

/// The JSONPath subset EventBridge accepts in InputPath, InputPathsMap and PathParameterValues:
/// `$`, dot members (letters, digits, `-`, `_`, `/`, `.`-free), `['member']` and array indices `[n]`.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    enum Segment: Sendable, Hashable {
        case member(String)
        case index(Int)
    }

    public let text: String
    let segments: [Segment]

    public struct InvalidPath: Error, Sendable, Equatable {
        public let path: String
    }

    public init(_ text: String) throws(InvalidPath) {
        self.text = text
        var characters = Substring(text)
        guard characters.first == "$" else { throw InvalidPath(path: text) }
        characters.removeFirst()
        var segments: [Segment] = []
        while let first = characters.first {
            if first == "." {
                characters.removeFirst()
                let name = characters.prefix { $0 != "." && $0 != "[" }
                guard !name.isEmpty, name.allSatisfy(Self.isMemberCharacter) else { throw InvalidPath(path: text) }
                segments.append(.member(String(name)))
                characters.removeFirst(name.count)
            } else if first == "[" {
                guard let close = characters.firstIndex(of: "]") else { throw InvalidPath(path: text) }
                let inside = characters[characters.index(after: characters.startIndex)..<close]
                if let index = Int(inside), index >= 0 {
                    segments.append(.index(index))
                } else if inside.count >= 2, let quote = inside.first, quote == "'" || quote == "\"", inside.last == quote {
                    segments.append(.member(String(inside.dropFirst().dropLast())))
                } else {
                    throw InvalidPath(path: text)
                }
                characters = characters[characters.index(after: close)...]
            } else {
                throw InvalidPath(path: text)
            }
        }
        self.segments = segments
    }

    private static func isMemberCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || character == "-" || character == "_" || character == "/" || character == "$"
            || character == "@" || character == ":"
    }

    /// The value at this path, or nil when the event has nothing there.
    public func evaluate(_ value: JSONValue) -> JSONValue? {
        var current = value
        for segment in segments {
            switch (segment, current) {
            case (.member(let name), .object(let object)):
                guard let next = object[name] else { return nil }
                current = next
            case (.index(let index), .array(let array)):
                guard index < array.count else { return nil }
                current = array[index]
            default:
                return nil
            }
        }
        return current
    }

    public var description: String { text }
}
