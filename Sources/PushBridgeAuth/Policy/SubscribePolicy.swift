import PushBridgeCore
import PushBridgeJSON

/// Who may subscribe to what (`--subscribe-policy`).
public enum SubscribePolicy: Sendable, Equatable, CustomStringConvertible {
    /// Any connection may subscribe to any entity (the sample's behaviour).
    case any
    /// A claim of the connection's token lists the entity ids (or `*` patterns) it may subscribe to; a token
    /// without the claim may subscribe to nothing.
    case claim(JSONPath)
    /// A webhook decides each subscribe (``SubscribeWebhook``): an `http://` or `https://` URL.
    case url(String)

    /// The default when JWT authentication is on: entities listed in the `entities` claim.
    public static let defaultWithAuthentication = SubscribePolicy.claim(try! JSONPath("$.entities"))

    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public let text: String
        public var description: String {
            """
            '\(text)' is not a subscribe policy: use 'any', 'claim:' and a JSON path such as claim:$.entities, or 'url:' \
            and an http(s) URL such as url:https://auth.example.com/may-subscribe
            """
        }
    }

    /// `any`, `claim:$.path` or `url:https://…`.
    public init(parsing text: String) throws(Invalid) {
        if text == "any" {
            self = .any
            return
        }
        let urlPrefix = "url:"
        if text.hasPrefix(urlPrefix) {
            let url = String(text.dropFirst(urlPrefix.count))
            guard WebhookURL.isValid(url) else { throw Invalid(text: text) }
            self = .url(url)
            return
        }
        let prefix = "claim:"
        guard text.hasPrefix(prefix), let path = try? JSONPath(String(text.dropFirst(prefix.count))) else { throw Invalid(text: text) }
        self = .claim(path)
    }

    public var description: String {
        switch self {
        case .any: "any"
        case .claim(let path): "claim:\(path)"
        case .url(let url): "url:\(url)"
        }
    }

    /// What one connection may subscribe to, worked out once at `$connect` from its token's claims (or its
    /// authorizer's context) and user id.
    public func grant(for claims: JSONObject?, userId: String? = nil) -> SubscribeGrant {
        switch self {
        case .any: return .everything
        case .url: return .askWebhook(userId: userId, claims: claims)
        case .claim(let path):
            guard let claims else { return .patterns([]) }
            switch path.evaluate(.object(claims)) {
            case .string(let single)?: return .patterns([GlobPattern(single)])
            case .array(let values)?:
                // At most a bounded number: the claims came in a header, but each pattern is tried per subscribe.
                let patterns = values.lazy.compactMap(\.stringValue).prefix(SubscribeGrant.maximumPatterns).map(GlobPattern.init)
                return .patterns(Array(patterns))
            default: return .patterns([])
            }
        }
    }
}

/// The entities one connection may subscribe to.
public enum SubscribeGrant: Sendable, Equatable {
    case everything
    case patterns([GlobPattern])
    /// Each subscribe is decided by the `url:` policy's webhook, told who the connection is.
    case askWebhook(userId: String?, claims: JSONObject?)

    public static let maximumPatterns = 1000

    /// Whether the grant alone allows subscribing to `entityId`; never for ``askWebhook(userId:claims:)``, whose
    /// answer comes from ``SubscribeWebhook``.
    public func allows(_ entityId: String) -> Bool {
        switch self {
        case .everything: true
        case .patterns(let patterns): patterns.contains { $0.matches(entityId) }
        case .askWebhook: false
        }
    }
}
