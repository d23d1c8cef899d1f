import HTTPTypes
import HummingbirdTesting
import JWTKit
import NIOCore
import NIOHTTP1
import PushBridgeAuth
import PushBridgeCore
import PushBridgeJSON
import Testing

@testable import PushBridgeServer

let testJWTSecret = "server tests' HMAC secret, 32 bytes or more"

/// A token for the server tests' secret (jwt-kit's signing side; the Python tests sign with PyJWT).
func testToken(user: String = "user-1", entities: [String]? = nil, expiresIn: Int64 = 600, secret: String = testJWTSecret) async throws -> String {
    struct Claims: JWTPayload {
        var sub: String
        var exp: Int64
        var entities: [String]?
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
    let claims = Claims(sub: user, exp: Timestamp.now().milliseconds / 1000 + expiresIn, entities: entities)
    return try await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256).sign(claims)
}

func withJWTAuthentication(_ configuration: inout ServerConfiguration) {
    configuration.jwt.secret = Secret(testJWTSecret)
}

func allowAppOrigin(_ configuration: inout ServerConfiguration) {
    configuration.allowedOrigins = OriginAllowList(["https://app.example.com"])
}

/// What `$connect` decides before a token is verified.
@Suite struct UpgradeRulesTests {
    func head(_ uri: String = "/dev", _ headers: [(String, String)] = []) -> HTTPRequestHead {
        HTTPRequestHead(version: .http1_1, method: .GET, uri: uri, headers: HTTPHeaders(headers))
    }

    let open = UpgradeRules(stage: "dev", requiresToken: false, allowedOrigins: nil)
    let authenticated = UpgradeRules(stage: "dev", requiresToken: true, allowedOrigins: nil)

    @Test func withoutAuthenticationEverySocketPathUpgrades() {
        #expect(
            open.decide(head("/dev", [("Sec-WebSocket-Protocol", "websocket")]), draining: false)
                == .upgrade(["Sec-WebSocket-Protocol": "websocket"], identity: nil)
        )
        #expect(open.decide(head("/"), draining: false) == .upgrade([:], identity: nil))
        #expect(open.decide(head("/other"), draining: false) == .notAWebSocketPath)
        #expect(open.decide(head("/dev"), draining: true) == .draining)
    }

    @Test func withAuthenticationAMissingTokenIs401() {
        #expect(authenticated.decide(head("/dev"), draining: false) == .unauthorized)
        #expect(authenticated.decide(head("/dev", [("Sec-WebSocket-Protocol", "websocket")]), draining: false) == .unauthorized)
        // The path and shutdown are answered first, as before.
        #expect(authenticated.decide(head("/other"), draining: false) == .notAWebSocketPath)
        #expect(authenticated.decide(head("/dev"), draining: true) == .draining)
    }

    @Test func aFoundTokenIsVerifiedAndTheSubprotocolAnswerIsWebsocket() {
        let decision = authenticated.decide(head("/dev", [("Sec-WebSocket-Protocol", "websocket, a.b.c")]), draining: false)
        #expect(decision == .authenticate(.init(token: "a.b.c", source: .subprotocol), ["Sec-WebSocket-Protocol": "websocket"]))
        let query = authenticated.decide(head("/dev?access_token=x.y.z"), draining: false)
        #expect(query == .authenticate(.init(token: "x.y.z", source: .query), [:]))
        let bearer = authenticated.decide(head("/", [("Authorization", "Bearer q.r.s")]), draining: false)
        #expect(bearer == .authenticate(.init(token: "q.r.s", source: .bearer), [:]))
    }

    @Test func aBrowserOriginNotAllowedIs403() {
        let rules = UpgradeRules(
            stage: "dev",
            requiresToken: false,
            allowedOrigins: OriginAllowList(commaSeparated: "https://app.example.com, http://localhost:3000/")
        )
        #expect(rules.decide(head("/dev", [("Origin", "https://evil.example")]), draining: false) == .forbidden(reason: "origin not allowed"))
        #expect(rules.decide(head("/dev", [("Origin", "https://APP.example.com")]), draining: false) == .upgrade([:], identity: nil))
        #expect(rules.decide(head("/dev", [("Origin", "http://localhost:3000")]), draining: false) == .upgrade([:], identity: nil))
        #expect(rules.decide(head("/dev"), draining: false) == .upgrade([:], identity: nil), "clients that are not browsers send no Origin")
    }

    @Test func refusalsAreAnsweredAsAPIGatewayDoes() {
        #expect(Refusal(.unauthorized).status == .unauthorized)
        #expect(Refusal(.unauthorized).body == #"{"message":"Unauthorized"}"#)
        #expect(Refusal(.forbidden(reason: "x")).status == .forbidden)
        #expect(Refusal(.forbidden(reason: "x")).body == #"{"message":"Forbidden"}"#)
        #expect(Refusal(.notAWebSocketPath).status == .badRequest)
    }
}

@Suite struct BindSafetyTests {
    @Test(arguments: ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "0:0:0:0:0:0:0:1"])
    func loopbackNeedsNoAuthentication(host: String) throws {
        #expect(BindSafety.isLoopback(host))
        try BindSafety.check(host: host, authenticated: false, insecureNoAuth: false)
    }

    @Test(arguments: ["0.0.0.0", "::", "192.168.1.10", "example.com", "128.0.0.1", "127.0.0.256", ""])
    func anythingElseNeedsAuthenticationOrTheInsecureFlag(host: String) throws {
        #expect(!BindSafety.isLoopback(host))
        #expect(throws: BindSafety.Unsafe.self) { try BindSafety.check(host: host, authenticated: false, insecureNoAuth: false) }
        try BindSafety.check(host: host, authenticated: true, insecureNoAuth: false)
        try BindSafety.check(host: host, authenticated: false, insecureNoAuth: true)
    }

    @Test func theMessageSaysWhatToConfigure() {
        let message = BindSafety.Unsafe(host: "0.0.0.0").description
        #expect(message.contains("--jwt-secret") && message.contains("--jwks") && message.contains("--insecure-no-auth"))
        #expect(message.contains("TLS (--tls-cert) encrypts connections but does not replace authentication"))
    }
}

@Suite struct AdminBrowserGuardTests {
    typealias Guard = AdminBrowserGuard<PushBridgeRequestContext>

    @Test func theCLIsRequestsPass() {
        #expect(Guard.refusal(method: .get, origin: nil, contentType: nil, hasBody: false, allowedOrigins: nil) == nil)
        #expect(Guard.refusal(method: .post, origin: nil, contentType: "application/json", hasBody: true, allowedOrigins: nil) == nil)
        #expect(Guard.refusal(method: .post, origin: nil, contentType: nil, hasBody: false, allowedOrigins: nil) == nil)
        #expect(Guard.refusal(method: .delete, origin: nil, contentType: nil, hasBody: false, allowedOrigins: nil) == nil)
    }

    @Test func aBrowserOriginIsRefusedUnlessAllowed() {
        #expect(
            Guard.refusal(method: .get, origin: "https://evil.example", contentType: nil, hasBody: false, allowedOrigins: nil)?.status == .forbidden
        )
        let allowed = OriginAllowList(["https://ops.example"])
        #expect(Guard.refusal(method: .get, origin: "https://ops.example", contentType: nil, hasBody: false, allowedOrigins: allowed) == nil)
        #expect(Guard.refusal(method: .get, origin: "null", contentType: nil, hasBody: false, allowedOrigins: allowed)?.status == .forbidden)
    }

    @Test func writesWithABodyMustBeJSON() {
        for contentType in [nil, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
            #expect(
                Guard.refusal(method: .post, origin: nil, contentType: contentType, hasBody: true, allowedOrigins: nil)?.status
                    == .unsupportedMediaType
            )
        }
        #expect(Guard.refusal(method: .post, origin: nil, contentType: "Application/JSON; charset=utf-8", hasBody: true, allowedOrigins: nil) == nil)
    }
}

/// `$connect` with JWT authentication on a running server, through real sockets.
@Suite struct AuthenticatedConnectTests {
    static let upgradeHeaders: HTTPFields = [
        .upgrade: "websocket", .connection: "Upgrade", HTTPField.Name("Sec-WebSocket-Key")!: "dGhlIHNhbXBsZSBub25jZQ==",
        HTTPField.Name("Sec-WebSocket-Version")!: "13",
    ]

    @Test func aMissingTokenIs401AndABadOneIs403BeforeAnyUpgrade() async throws {
        try await withPushBridgeServer(configure: withJWTAuthentication) { server in
            let missing = try await server.request(.get, "/dev", headers: Self.upgradeHeaders)
            #expect(missing.status == .unauthorized)
            #expect(missing.bodyText == #"{"message":"Unauthorized"}"#)
            var headers = Self.upgradeHeaders
            headers[.authorization] = "Bearer \(try await testToken(secret: "a different secret that is long enough"))"
            let wrong = try await server.request(.get, "/dev", headers: headers)
            #expect(wrong.status == .forbidden)
            #expect(wrong.bodyText == #"{"message":"Forbidden"}"#)
            headers[.authorization] = "Bearer \(try await testToken(expiresIn: -60))"
            #expect(try await server.request(.get, "/dev", headers: headers).status == .forbidden, "expired beyond the leeway")
            #expect(server.runtime.registry.connectionCount == 0)
        }
    }

    @Test func theSamplesSubprotocolFormConnectsAndSelectsWebsocket() async throws {
        try await withPushBridgeServer(configure: withJWTAuthentication) { server in
            let token = try await testToken(user: "alice")
            let socket = try await RawWebSocket(port: server.port, path: "/dev", extraHeaders: ["Sec-WebSocket-Protocol: websocket, \(token)"])
            #expect(socket.statusLine.contains("101"), "\(socket.handshakeResponse)")
            #expect(socket.handshakeHeader("Sec-WebSocket-Protocol") == ["websocket"])
            try await eventually("the connection to be recorded") { server.runtime.registry.connectionCount == 1 }
            let record = try #require(server.runtime.registry.records().first)
            #expect(record.userId == "alice")
            #expect(record.claims?["sub"] == "alice")
            // GetConnection shows who it is.
            let reply = try await server.request(.get, "/dev/@connections/\(record.connectionId)")
            #expect(try reply.json()["userId"] == "alice")
            #expect(try reply.json()["claims"]?["sub"] == "alice")
            await socket.abort()
        }
    }

    @Test func aDeniedSubscribeGetsAnErrorFrameAndTheSocketStaysOpen() async throws {
        try await withPushBridgeServer(configure: withJWTAuthentication) { server in
            let token = try await testToken(entities: ["allowed-*"])
            try await TestWebSocket.with(server.webSocketURL("/dev?access_token=\(token)")) { socket in
                socket.send(#"{"action":"subscribe","entityId":"secret-1"}"#)
                let frame = try await socket.receiveJSON("the error frame")
                #expect(frame["message"] == "Forbidden: this connection may not subscribe to secret-1")
                #expect(frame["connectionId"]?.stringValue?.isEmpty == false)
                #expect(frame["requestId"]?.stringValue?.isEmpty == false)
                try await socket.subscribe("allowed-1")
                try await server.publish(entityId: "allowed-1", message: "hi")
                try await socket.expectPush(entityId: "allowed-1", message: "hi")
                #expect(server.runtime.registry.subscriptionCount == 1)
            }
        }
    }

    @Test func aUserNotificationReachesEveryConnectionOfThatUserOnly() async throws {
        try await withPushBridgeServer(configure: withJWTAuthentication) { server in
            let alice = try await testToken(user: "alice")
            let bob = try await testToken(user: "bob")
            try await TestWebSocket.with(server.webSocketURL("/dev"), headers: [.authorization: "Bearer \(alice)"]) { first in
                try await TestWebSocket.with(server.webSocketURL("/"), headers: [.authorization: "Bearer \(alice)"]) { second in
                    try await TestWebSocket.with(server.webSocketURL("/dev"), headers: [.authorization: "Bearer \(bob)"]) { other in
                        try await eventually("three connections") { server.runtime.registry.connectionCount == 3 }
                        let detail = #"{"userId":"alice","message":"Your order shipped","callback":"https://example.com/o/1"}"#
                        try await server.putEventsOK([["Source": "tests", "DetailType": "Send User Push Notification", "Detail": .string(detail)]])
                        let expected = #"{"type":"User Push Notification","message":"Your order shipped","callback":"https://example.com/o/1"}"#
                        #expect(try await first.receive() == expected)
                        #expect(try await second.receive() == expected)
                        // Bob's next frame is his own notification: Alice's never reached him.
                        try await server.putEventsOK([
                            ["Source": "tests", "DetailType": "Send User Push Notification", "Detail": #"{"userId":"bob"}"#]
                        ])
                        #expect(try await other.receive() == #"{"type":"User Push Notification"}"#)
                    }
                }
            }
        }
    }

    @Test func withoutAuthenticationThereIsNoUserRuleAndAnySubscribeIsAllowed() async throws {
        try await withPushBridgeServer { server in
            #expect(server.runtime.router.rule(DefaultRouting.UserNotifications.ruleName, bus: "default") == nil)
            try await TestWebSocket.with(server.webSocketURL("/dev")) { socket in
                try await socket.subscribe("anything")
                try await server.publish(entityId: "anything", message: nil)
                try await socket.expectPush(entityId: "anything", message: nil)
            }
        }
    }

    @Test func anOriginNotAllowedIsRefusedWith403() async throws {
        try await withPushBridgeServer(configure: allowAppOrigin) { server in
            var headers = Self.upgradeHeaders
            headers[.origin] = "https://evil.example"
            #expect(try await server.request(.get, "/dev", headers: headers).status == .forbidden)
            // (HummingbirdWSClient always sends its own Origin, so the allowed one goes through a raw socket.)
            let allowed = try await RawWebSocket(port: server.port, path: "/dev", extraHeaders: ["Origin: https://app.example.com"])
            #expect(allowed.statusLine.contains("101"), "\(allowed.handshakeResponse)")
            await allowed.abort()
            let noOrigin = try await RawWebSocket(port: server.port, path: "/dev")
            #expect(noOrigin.statusLine.contains("101"), "clients that are not browsers send no Origin")
            await noOrigin.abort()
        }
    }

    @Test func theAdminAPIRefusesBrowserOriginsAndFormBodies() async throws {
        try await withOperatedServer { operated in
            let server = operated.server
            let fromBrowser = try await server.request(
                .get,
                "/admin/queues",
                headers: [.authorization: "Bearer \(testAdminToken)", .origin: "https://evil.example"]
            )
            #expect(fromBrowser.status == .forbidden)
            let form = try await server.request(
                .post,
                "/admin/dlq/purge",
                headers: [.authorization: "Bearer \(testAdminToken)", .contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "all=true")
            )
            #expect(form.status == .unsupportedMediaType)
            #expect(try adminErrorCode(form) == "UnsupportedMediaType")
            // What the CLI sends still works.
            #expect(try await server.admin(.get, "/admin/queues").status == .ok)
        }
    }
}
