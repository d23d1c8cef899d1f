/// An AWS service's input shapes as its published model states them: enough to check a request the way the
/// service does before acting on it. ``events`` is generated from AWS's model by `Scripts/generate-events-model`.
struct ServiceModel: Sendable {
    /// Each served operation's input shape.
    let operations: [String: String]
    let shapes: [String: Shape]

    /// A length (strings, lists, maps) or value (integers) range; either side may be open.
    struct Bounds: Sendable {
        let min: Int?
        let max: Int?
    }

    struct Member: Sendable {
        let name: String
        let shape: String
        let required: Bool

        init(_ name: String, _ shape: String, required: Bool) {
            self.name = name
            self.shape = shape
            self.required = required
        }
    }

    enum Shape: Sendable {
        case structure([Member])
        case list(member: String, length: Bounds, sensitive: Bool)
        case map(key: String, value: String, length: Bounds)
        case string(length: Bounds, pattern: String?, enumValues: [String]?, sensitive: Bool)
        case integer(range: Bounds)
        case boolean
        case timestamp
    }
}
