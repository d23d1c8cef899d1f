import PushBridgeJSON

/// What an authorizer webhook answers, in the shape of a Lambda REQUEST authorizer's result:
///
/// ```json
/// {"principalId": "user-1",
///  "policyDocument": {"Version": "2012-10-17",
///                     "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "arn:aws:execute-api:*"}]},
///  "context": {"plan": "pro", "seats": 3, "admin": false}}
/// ```
///
/// `Statement` may also be a single object. `context` is optional and flat: strings, numbers and booleans.
public struct AuthorizerAnswer: Sendable, Equatable {
    public let principalId: String?
    public let statements: [PolicyStatement]
    public let context: JSONObject

    /// API Gateway's limit on an authorizer's result.
    public static let maximumBytes = 8 * 1024

    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public let reason: String
        public init(_ reason: String) { self.reason = reason }
        public var description: String { reason }
    }

    /// What the policy decides for one method ARN.
    public enum Decision: Sendable, Equatable {
        /// An `Allow` matched and no `Deny` did: the connection's user and the values kept with it.
        case allow(AuthenticatedIdentity)
        /// A `Deny` matched, or no `Allow` did (IAM's implicit deny).
        case deny
    }

    public init(principalId: String?, statements: [PolicyStatement], context: JSONObject = JSONObject()) {
        self.principalId = principalId
        self.statements = statements
        self.context = context
    }

    /// Reads an answer body; anything not of the documented shape is ``Invalid``.
    public static func parse(_ bytes: [UInt8]) throws(Invalid) -> AuthorizerAnswer {
        guard bytes.count <= maximumBytes else { throw Invalid("the answer is larger than \(maximumBytes) bytes") }
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes, maximumDepth: 8)
        } catch {
            throw Invalid("the answer is not JSON (\(error))")
        }
        guard case .object(let answer) = json else { throw Invalid("the answer is \(json.typeDescription), not an object") }
        let principalId: String?
        switch answer["principalId"] {
        case nil, .null?: principalId = nil
        case .string(let text)?: principalId = text
        case let other?: throw Invalid("principalId is \(other.typeDescription), not a string")
        }
        guard case .object(let document)? = answer["policyDocument"] else { throw Invalid("policyDocument is missing or not an object") }
        let statementValues: [JSONValue]
        switch document["Statement"] {
        case .array(let values)?: statementValues = values
        case .object(let single)?: statementValues = [.object(single)]
        default: throw Invalid("policyDocument.Statement must be an array of statements or one statement")
        }
        var statements: [PolicyStatement] = []
        for (index, value) in statementValues.enumerated() {
            statements.append(try PolicyStatement.parse(value, index: index))
        }
        return AuthorizerAnswer(principalId: principalId, statements: statements, context: try context(answer["context"]))
    }

    private static func context(_ value: JSONValue?) throws(Invalid) -> JSONObject {
        switch value {
        case nil, .null?: return JSONObject()
        case .object(let context)?:
            // API Gateway refuses nested values in an authorizer's context, and so do we.
            for (key, member) in context {
                switch member {
                case .string, .number, .bool: continue
                default: throw Invalid("context.\(key) is \(member.typeDescription); only strings, numbers and booleans are allowed")
                }
            }
            return context
        case let other?: throw Invalid("context is \(other.typeDescription), not an object")
        }
    }

    /// IAM's rule: an explicit `Deny` wins over any `Allow`; without a matching `Allow` the answer is no. An allow
    /// needs a principal id (the connection's user id) that is a non-empty string of at most
    /// ``UserIdClaim/maximumBytes``.
    public func decision(for methodArn: String) throws(Invalid) -> Decision {
        let applicable = statements.filter { $0.applies(to: methodArn) }
        guard !applicable.contains(where: { $0.effect == .deny }), applicable.contains(where: { $0.effect == .allow }) else {
            return .deny
        }
        guard let principalId, !principalId.isEmpty else { throw Invalid("the policy allows, but principalId is missing or empty") }
        guard principalId.utf8.count <= UserIdClaim.maximumBytes else {
            throw Invalid("principalId is longer than \(UserIdClaim.maximumBytes) bytes")
        }
        return .allow(AuthenticatedIdentity(userId: principalId, claims: context))
    }
}
