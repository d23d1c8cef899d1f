import PushBridgeJSON

/// One statement of an authorizer's IAM policy: `{"Effect":"Allow"|"Deny","Action":…,"Resource":…}`, where
/// `Action` and `Resource` are a string or an array of strings, with `*` and `?` wildcards.
public struct PolicyStatement: Sendable, Equatable {
    public enum Effect: String, Sendable, Equatable {
        case allow = "Allow"
        case deny = "Deny"
    }

    public let effect: Effect
    public let actions: [IAMWildcard]
    public let resources: [IAMWildcard]

    /// The action API Gateway checks for `$connect`.
    public static let invokeAction = "execute-api:Invoke"

    public init(effect: Effect, actions: [String], resources: [String]) {
        self.effect = effect
        self.actions = actions.map { IAMWildcard($0, ignoringCase: true) }
        self.resources = resources.map { IAMWildcard($0) }
    }

    /// Whether this statement speaks about invoking `methodArn`.
    public func applies(to methodArn: String) -> Bool {
        actions.contains { $0.matches(Self.invokeAction) } && resources.contains { $0.matches(methodArn) }
    }

    /// Reads one statement. `NotAction`, `NotResource` and `Condition` are not evaluated, so a statement using them
    /// is refused rather than read in a way its author did not mean.
    static func parse(_ value: JSONValue, index: Int) throws(AuthorizerAnswer.Invalid) -> PolicyStatement {
        let name = "policyDocument.Statement[\(index)]"
        guard case .object(let statement) = value else { throw .init("\(name) is not an object") }
        for unsupported in ["NotAction", "NotResource", "Condition"] where statement[unsupported] != nil {
            throw .init("\(name) uses \(unsupported), which PushBridge does not evaluate")
        }
        guard case .string(let effectText)? = statement["Effect"], let effect = Effect(rawValue: effectText) else {
            throw .init("\(name).Effect must be \"Allow\" or \"Deny\"")
        }
        return PolicyStatement(
            effect: effect,
            actions: try strings(statement["Action"], name: "\(name).Action"),
            resources: try strings(statement["Resource"], name: "\(name).Resource")
        )
    }

    /// A string, or a non-empty array of strings.
    private static func strings(_ value: JSONValue?, name: String) throws(AuthorizerAnswer.Invalid) -> [String] {
        switch value {
        case .string(let single)?: return [single]
        case .array(let values)? where !values.isEmpty:
            var strings: [String] = []
            for value in values {
                guard case .string(let text) = value else { throw .init("\(name) holds \(value.typeDescription), not a string") }
                strings.append(text)
            }
            return strings
        case nil: throw .init("\(name) is missing")
        default: throw .init("\(name) must be a string or a non-empty array of strings")
        }
    }
}
