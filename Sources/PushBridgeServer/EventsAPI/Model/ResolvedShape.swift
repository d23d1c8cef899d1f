/// A model shape with its references resolved to the shapes themselves and its pattern compiled, so checking a
/// request follows pointers instead of looking shapes, patterns and enum values up by name for every member
/// (PutEvents passes every request through the validator).
final class ResolvedShape: Sendable {
    let name: String
    let kind: Kind

    struct Member: Sendable {
        let name: String
        let shape: ResolvedShape
        let required: Bool
    }

    struct StringRules: Sendable {
        let length: ServiceModel.Bounds
        let pattern: String?
        /// Nil when there is no pattern, or one ``LinearPattern`` cannot read (then it matches everything).
        let compiledPattern: LinearPattern?
        let enumValues: [String]?
        let enumSet: Set<String>?
        let sensitive: Bool
    }

    enum Kind: Sendable {
        case structure([Member])
        case list(member: ResolvedShape, length: ServiceModel.Bounds, sensitive: Bool)
        case map(key: ResolvedShape, value: ResolvedShape, length: ServiceModel.Bounds)
        case string(StringRules)
        case integer(range: ServiceModel.Bounds)
        case boolean
        case timestamp
        /// A name the model does not define (or one that refers back to itself): nothing to check, as before.
        case unchecked
    }

    private init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    /// Every operation's input shape, resolved once.
    static func inputs(of model: ServiceModel) -> [String: ResolvedShape] {
        var resolved: [String: ResolvedShape] = [:]
        var visiting: Set<String> = []
        func resolve(_ name: String) -> ResolvedShape {
            if let done = resolved[name] { return done }
            guard let shape = model.shapes[name], visiting.insert(name).inserted else {
                return ResolvedShape(name: name, kind: .unchecked)
            }
            defer { visiting.remove(name) }
            let kind: Kind
            switch shape {
            case .structure(let members):
                kind = .structure(members.map { Member(name: $0.name, shape: resolve($0.shape), required: $0.required) })
            case .list(let member, let length, let sensitive):
                kind = .list(member: resolve(member), length: length, sensitive: sensitive)
            case .map(let key, let value, let length):
                kind = .map(key: resolve(key), value: resolve(value), length: length)
            case .string(let length, let pattern, let enumValues, let sensitive):
                kind = .string(
                    StringRules(
                        length: length,
                        pattern: pattern,
                        compiledPattern: pattern.flatMap { try? LinearPattern($0) },
                        enumValues: enumValues,
                        enumSet: enumValues.map(Set.init),
                        sensitive: sensitive
                    )
                )
            case .integer(let range): kind = .integer(range: range)
            case .boolean: kind = .boolean
            case .timestamp: kind = .timestamp
            }
            let shapeNode = ResolvedShape(name: name, kind: kind)
            resolved[name] = shapeNode
            return shapeNode
        }
        return model.operations.mapValues(resolve)
    }
}
