import Foundation
import PushBridgeJSON
import PushBridgeServer
import Testing

/// Requests at the edges of HTTP/1.1 that a hostile or old client sends: each gets an answer in the interface's own
/// shape and a connection that ends when it should, never a silent close or a 5xx.
@Suite struct HTTPEdgeCaseTests {
    static let webSocketHeaders = ["Upgrade: websocket", "Connection: Upgrade"]

    @Test("An upgrade to a protocol the server does not speak is ignored: the request is served as HTTP/1.1")
    func unknownUpgradeIsServed() async throws {
        try await withPushBridgeServer { server in
            // Without `Connection: upgrade` the connection goes on: a second request is answered too.
            let kept = try await RawHTTPConnection(port: server.port)
            try await kept.send(RawHTTPConnection.request("GET", "/healthz", headers: ["Upgrade: foo"]))
            #expect(try await kept.readResponse().status == 200)
            try await kept.send(RawHTTPConnection.request("GET", "/healthz"))
            #expect(try await kept.readResponse().status == 200)

            // curl --http2 on http://: answered in HTTP/1.1, then closed (nothing after such a request is read).
            let h2c = ["Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c", "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA"]
            for path in ["/healthz", "/events"] {
                let closing = try await RawHTTPConnection(port: server.port)
                let method = path == "/events" ? "POST" : "GET"
                let body = path == "/events" ? PutEventsConnectionTests.oneEntry : ""
                try await closing.send(RawHTTPConnection.request(method, path, headers: h2c + ["Content-Type: application/json"], body: body))
                let response = try await closing.readResponse()
                #expect(response.status == 200, "\(path)")
                #expect(response.header("connection") == "close", "\(path)")
                #expect(try await closing.isClosedByServer(), "\(path)")
            }
        }
    }

    @Test("A later request asking to switch protocols is answered, then the connection closed")
    func laterUpgradeRequestsCloseTheConnection() async throws {
        try await withPushBridgeServer { server in
            let connection = try await RawHTTPConnection(port: server.port)
            try await connection.send(RawHTTPConnection.request("GET", "/healthz"))
            #expect(try await connection.readResponse().status == 200)
            try await connection.send(RawHTTPConnection.request("GET", "/healthz", headers: ["Connection: Upgrade", "Upgrade: h2c"]))
            let response = try await connection.readResponse()
            #expect(response.status == 200)
            #expect(try await connection.isClosedByServer())
        }
    }

    @Test(
        "A WebSocket handshake RFC 6455 refuses is answered with its status and closed",
        arguments: [
            (["Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 8"], 426),
            (["Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 13"], 426),
            (["Sec-WebSocket-Version: 13"], 400),
            (["Sec-WebSocket-Key: c2hvcnQ=", "Sec-WebSocket-Version: 13"], 400),
            (["Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"], 400),
        ]
    )
    func refusedHandshakes(headers: [String], status: Int) async throws {
        try await withPushBridgeServer { server in
            let connection = try await RawHTTPConnection(port: server.port)
            try await connection.send(RawHTTPConnection.request("GET", "/dev", headers: Self.webSocketHeaders + headers))
            let response = try await connection.readResponse()
            #expect(response.status == status)
            #expect(response.header("content-type") == "application/json")
            #expect(try JSONParser.parse(response.body)["message"]?.stringValue?.isEmpty == false)
            if status == 426 { #expect(response.header("sec-websocket-version") == "13") }
            #expect(try await connection.isClosedByServer())
        }
    }

    @Test("A WebSocket handshake without `Connection: Upgrade` is refused; with it, the same request upgrades")
    func handshakeNeedsConnectionUpgrade() async throws {
        try await withPushBridgeServer { server in
            let key = ["Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]
            let refused = try await RawHTTPConnection(port: server.port)
            try await refused.send(RawHTTPConnection.request("GET", "/dev", headers: ["Upgrade: websocket"] + key))
            #expect(try await refused.readResponse().status == 400)
            let upgraded = try await RawHTTPConnection(port: server.port)
            try await upgraded.send(RawHTTPConnection.request("GET", "/dev", headers: Self.webSocketHeaders + key))
            let response = try await upgraded.readResponse()
            #expect(response.status == 101)
            #expect(response.header("sec-websocket-accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        }
    }

    @Test("An HTTP/1.0 request without keep-alive is answered and the connection closed; with keep-alive it stays open")
    func http10ConnectionsEndAfterTheAnswer() async throws {
        try await withPushBridgeServer { server in
            let closing = try await RawHTTPConnection(port: server.port)
            try await closing.send("GET /healthz HTTP/1.0\r\n\r\n")
            #expect(try await closing.readResponse().status == 200)
            #expect(try await closing.isClosedByServer())

            let kept = try await RawHTTPConnection(port: server.port)
            try await kept.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try await kept.readResponse().status == 200)
            try await kept.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try await kept.readResponse().status == 200)
        }
    }

    @Test("A body that stops before its Content-Length is a 400 in the Events API's shape")
    func truncatedEventsAPIBody() async throws {
        try await withPushBridgeServer { server in
            let connection = try await RawHTTPConnection(port: server.port)
            try await connection.send(
                "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AWSEvents.ListRules\r\nContent-Type: application/x-amz-json-1.1\r\n"
                    + "Content-Length: 100\r\n\r\n{\"Name"
            )
            try await connection.stopSending()
            let response = try await connection.readResponse()
            #expect(response.status == 400)
            #expect(response.header("x-amzn-errortype") == "SerializationException")
        }
    }

    @Test("A browser page on another origin cannot call the Events API; the server's own origin can")
    func crossSiteEventsAPIRequestsAreRefused() async throws {
        try await withPushBridgeServer { server in
            func send(_ path: String, _ headers: [String], origin: String) async throws -> RawHTTPConnection.Response {
                let isPutEvents = path == "/events" || headers.contains("X-Amz-Target: AWSEvents.PutEvents")
                let body = isPutEvents ? PutEventsConnectionTests.oneEntry : "{}"
                let lines = ["POST \(path) HTTP/1.1", "Host: 127.0.0.1:\(server.port)", "Origin: \(origin)", "Content-Length: \(body.utf8.count)"]
                let connection = try await RawHTTPConnection(port: server.port)
                try await connection.send((lines + headers).joined(separator: "\r\n") + "\r\n\r\n" + body)
                return try await connection.readResponse()
            }
            let requests: [(String, [String])] = [
                ("/events", ["Content-Type: text/plain"]),
                ("/", ["Content-Type: application/x-amz-json-1.1", "X-Amz-Target: AWSEvents.PutEvents"]),
                ("/", ["Content-Type: application/x-amz-json-1.1", "X-Amz-Target: AWSEvents.ListRules"]),
            ]
            for (path, headers) in requests {
                let refused = try await send(path, headers, origin: "https://evil.example")
                #expect(refused.status == 403, "\(path) \(headers)")
                #expect(refused.header("x-amzn-errortype") == "AccessDeniedException", "\(path) \(headers)")
                let own = try await send(path, headers, origin: "http://127.0.0.1:\(server.port)")
                #expect(own.status == 200, "\(path) \(headers): \(own.body)")
            }
        }
    }

    @Test("Admin bodies over the limit are a 413, and bodies cut short a 400, in the admin API's shape")
    func adminBodyFaults() async throws {
        try await withOperatedServer { operated in
            let port = operated.server.port
            let auth = "Authorization: Bearer \(testAdminToken)"
            let large = try await RawHTTPConnection(port: port)
            let body = "{\"all\":true,\"pad\":\"" + String(repeating: "a", count: 1_100_000) + "\"}"
            let headers = [auth, "Content-Type: application/json"]
            try await large.send(RawHTTPConnection.request("POST", "/admin/dlq/purge", headers: headers, body: body))
            let tooLarge = try await large.readResponse()
            #expect(tooLarge.status == 413)
            #expect(try JSONParser.parse(tooLarge.body)["error"]?["code"] == "PayloadTooLarge")

            // Chunked, the body is read before the token is checked (a browser guard): the same answer.
            let chunked = try await RawHTTPConnection(port: port)
            let chunk = String(repeating: "a", count: 600_000)
            let size = String(chunk.utf8.count, radix: 16)
            try await chunked.send(
                "POST /admin/dlq/purge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "\(size)\r\n\(chunk)\r\n\(size)\r\n\(chunk)\r\n0\r\n\r\n"
            )
            let chunkedTooLarge = try await chunked.readResponse()
            #expect(chunkedTooLarge.status == 413)
            #expect(try JSONParser.parse(chunkedTooLarge.body)["error"]?["code"] == "PayloadTooLarge")

            // Another method on a path the admin API knows: 405 with the methods it takes.
            let wrongMethod = try await RawHTTPConnection(port: port)
            try await wrongMethod.send(RawHTTPConnection.request("PUT", "/admin/queues", headers: [auth]))
            let notAllowed = try await wrongMethod.readResponse()
            #expect(notAllowed.status == 405)
            #expect(notAllowed.header("allow") == "GET")
            #expect(try JSONParser.parse(notAllowed.body)["error"]?["code"] == "MethodNotAllowed")

            let cut = try await RawHTTPConnection(port: port)
            try await cut.send(
                "POST /admin/dlq/purge HTTP/1.1\r\nHost: x\r\n\(auth)\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"all\":"
            )
            try await cut.stopSending()
            let incomplete = try await cut.readResponse()
            #expect(incomplete.status == 400)
            #expect(try JSONParser.parse(incomplete.body)["error"]?["code"] == "BadRequest")
        }
    }
}
