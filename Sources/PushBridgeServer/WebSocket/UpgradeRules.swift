import NIOHTTP1
import PushBridgeAuth

/// What `$connect` decides from the request alone, before any token is verified or the authorizer asked: the path,
/// shutdown, the browser origin, and where the token (or the authorizer's identity) is. Pure, so every outcome is
/// tested without a socket.
struct UpgradeRules: Sendable {
    let stage: String
    /// Whether `$connect` needs a token (JWT authentication is configured).
    let requiresToken: Bool
    /// Browser origins allowed to connect; nil allows any.
    let allowedOrigins: OriginAllowList?
    /// Set when the authorizer webhook decides `$connect`: what identifies a caller to it.
    var authorizer: AuthorizerIdentitySource? = nil

    func decide(_ head: HTTPRequestHead, draining: Bool) -> WebSocketGateway.UpgradeDecision {
        let path = WebSocketGateway.path(of: head)
        guard path == "/" || path == "/\(stage)" else { return .notAWebSocketPath }
        guard !draining else { return .draining }
        // A browser always says where the page came from; other clients usually send no Origin, and are let through.
        if let allowedOrigins, let origin = head.headers.first(name: "Origin"), !allowedOrigins.allows(origin) {
            return .forbidden(reason: "origin not allowed")
        }
        let offered = head.headers[canonicalForm: "Sec-WebSocket-Protocol"].map(String.init)
        let headers = WebSocketGateway.handshakeHeaders(offered: offered)
        if let authorizer {
            let fields = head.headers.map { (name: $0.name, value: $0.value) }
            guard let identity = authorizer.values(headers: fields, uri: head.uri) else { return .unauthorized }
            return .authorize(identity: identity, headers)
        }
        guard requiresToken else { return .upgrade(headers, identity: nil) }
        guard
            let found = TokenSource.find(
                subprotocols: head.headers["Sec-WebSocket-Protocol"],
                authorization: head.headers["Authorization"],
                uri: head.uri
            )
        else { return .unauthorized }
        return .authenticate(found, headers)
    }
}
