import PushBridgeJSON

/// One subscribe the `url:` policy's webhook decides. It is told
/// `{"connectionId":…,"userId":…|null,"claims":{…}|null,"entityId":…,"action":"subscribe"}` (the claims are the
/// connection's JWT claims, or its authorizer's context) and answers `{"allow":true}` or `{"allow":false}`.
public struct SubscribeCheck: Sendable, Equatable {
    public let connectionId: String
    public let userId: String?
    public let claims: JSONObject?
    public let entityId: String

    public init(connectionId: String, userId: String?, claims: JSONObject?, entityId: String) {
        self.connectionId = connectionId
        self.userId = userId
        self.claims = claims
        self.entityId = entityId
    }

    /// Whose answer this is: a user's (all of that user's connections share it) or, without a user, one connection's.
    public enum Subject: Sendable, Hashable {
        case user(String)
        case connection(String)
    }

    public struct Key: Sendable, Hashable {
        public let subject: Subject
        public let entityId: String
    }

    public var cacheKey: Key {
        Key(subject: userId.map(Subject.user) ?? .connection(connectionId), entityId: entityId)
    }

    public var body: JSONValue {
        [
            "connectionId": .string(connectionId),
            "userId": userId.map(JSONValue.string) ?? .null,
            "claims": claims.map(JSONValue.object) ?? .null,
            "entityId": .string(entityId),
            "action": "subscribe",
        ]
    }

    /// Largest answer read: it is one boolean.
    public static let maximumAnswerBytes = 4096

    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// `allow` of a JSON object answer; other members are ignored.
    public static func parseAnswer(_ bytes: [UInt8]) throws(Invalid) -> Bool {
        guard case .object(let answer)? = try? JSONParser.parse(bytes, maximumDepth: 8) else {
            throw Invalid(reason: "the answer is not a JSON object")
        }
        guard case .bool(let allow)? = answer["allow"] else { throw Invalid(reason: "the answer has no boolean \"allow\"") }
        return allow
    }
}
