extension JSONValue {
    /// About how many bytes this value's compact JSON text takes, without writing it: strings count their
    /// UTF-8 bytes (escapes are not expanded), structure counts its punctuation. Used to weigh queued events.
    public var estimatedTextBytes: Int {
        switch self {
        case .null: 4
        case .bool(let value): value ? 4 : 5
        case .number(let number): number.text.utf8.count
        case .string(let string): string.utf8.count + 2
        case .array(let elements): elements.reduce(2) { $0 + $1.estimatedTextBytes + 1 }
        case .object(let object): object.reduce(2) { $0 + $1.0.utf8.count + 4 + $1.1.estimatedTextBytes }
        }
    }
}
