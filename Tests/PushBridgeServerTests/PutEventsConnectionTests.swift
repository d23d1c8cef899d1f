import Foundation
import HTTPTypes
import PushBridgeJSON
import PushBridgeServer
import Testing

/// PutEvents is answered on the event loop, ahead of the router (``PutEventsChannelHandler``); these drive one
/// raw connection to check what that must keep: response order, keep-alive and close, bodies in pieces, and the
/// same headers as routed responses.
@Suite struct PutEventsConnectionTests {
    static let oneEntry = entriesBody([entityUpdated(entityId: "e1", message: "hi")])

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await withPushBridgeServer { server in
            let connection = try await RawHTTPConnection(port: server.port)
            // The second PutEvents arrives while ListRules waits for the router: it must not overtake it.
            try await connection.send(
                RawHTTPConnection.putEvents(Self.oneEntry)
                    + RawHTTPConnection.request("POST", "/", headers: ["X-Amz-Target: AWSEvents.ListRules"], body: "{}")
                    + RawHTTPConnection.putEvents("not json")
                    + RawHTTPConnection.request("POST", "/events", body: Self.oneEntry)
            )
            let first = try await connection.readResponse()
            #expect(first.status == 200)
            #expect(try JSONParser.parse(first.body)["FailedEntryCount"] == 0)
            let second = try await connection.readResponse()
            #expect(second.status == 200)
            #expect(try JSONParser.parse(second.body)["Rules"]?.arrayValue?.isEmpty == false, "\(second.body)")
            let third = try await connection.readResponse()
            #expect(third.status == 400)
            #expect(third.header("x-amzn-ErrorType") == "SerializationException")
            let fourth = try await connection.readResponse()
            #expect(fourth.status == 200)
            #expect(fourth.header("content-type") == "application/json")
            #expect(try JSONParser.parse(fourth.body)["FailedEntryCount"] == 0)
        }
    }

    @Test func answersCarryTheSameHeadersAsRoutedOnes() async throws {
        try await withPushBridgeServer { server in
            let connection = try await RawHTTPConnection(port: server.port)
            try await connection.send(RawHTTPConnection.putEvents(Self.oneEntry))
            let putEvents = try await connection.readResponse()
            try await connection.send(RawHTTPConnection.request("POST", "/", headers: ["X-Amz-Target: AWSEvents.ListRules"], body: "{}"))
            let routed = try await connection.readResponse()
            #expect(Set(putEvents.headers.map(\.name)) == Set(routed.headers.map(\.name)))
            #expect(putEvents.header("server") == "PushBridge")
            #expect(try await server.ingestedCount() == 1)
            #expect(putEvents.header("content-type") == "application/x-amz-json-1.1")
            #expect(putEvents.header("x-amzn-requestid")?.count == 36)
            let date = try #require(putEvents.header("date"))
            let format = DateFormatter()
            format.locale = Locale(identifier: "en_US_POSIX")
            format.timeZone = TimeZone(identifier: "GMT")
            format.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            let parsed = try #require(format.date(from: date), "\(date)")
            #expect(abs(parsed.timeIntervalSinceNow) < 60, "\(date)")
            #expect(format.string(from: parsed) == date)
        }
    }

    @Test func connectionCloseIsAnsweredThenClosed() async throws {
        try await withPushBridgeServer { server in
            let connection = try await RawHTTPConnection(port: server.port)
            try await connection.send(RawHTTPConnection.putEvents(Self.oneEntry, headers: ["Connection: close"]))
            let response = try await connection.readResponse()
            #expect(response.status == 200)
            #expect(response.header("connection") == "close")
            #expect(try await connection.isClosedByServer())
        }
    }

    @Test func chunkedBodyInPiecesIsAccepted() async throws {
        try await withPushBridgeServer { server in
            let connection = try await RawHTTPConnection(port: server.port)
            let body = Array(Self.oneEntry.utf8)
            let half = body.count / 2
            let pieces = [String(decoding: body[..<half], as: UTF8.self), String(decoding: body[half...], as: UTF8.self)]
            try await connection.send(RawHTTPConnection.putEvents("", headers: ["Transfer-Encoding: chunked"]))
            for piece in pieces {
                try await connection.send(String(piece.utf8.count, radix: 16) + "\r\n" + piece + "\r\n")
            }
            try await connection.send("0\r\n\r\n")
            let response = try await connection.readResponse()
            #expect(response.status == 200, "\(response.body)")
            #expect(try JSONParser.parse(response.body)["FailedEntryCount"] == 0)
        }
    }

    @Test("Expect: 100-continue is answered with 100 before the body is sent, on every path")
    func expectContinueIsAnswered() async throws {
        try await withPushBridgeServer { server in
            let requests = [
                RawHTTPConnection.putEvents(Self.oneEntry, headers: ["Expect: 100-continue"]),
                RawHTTPConnection.request("POST", "/events", headers: ["Expect: 100-continue"], body: Self.oneEntry),
                RawHTTPConnection.request("POST", "/", headers: ["Expect: 100-continue", "X-Amz-Target: AWSEvents.ListRules"], body: "{}"),
            ]
            for request in requests {
                let connection = try await RawHTTPConnection(port: server.port)
                let split = request.range(of: "\r\n\r\n")!.upperBound
                try await connection.send(String(request[..<split]))
                #expect(try await connection.readResponse().status == 100)
                try await connection.send(String(request[split...]))
                let response = try await connection.readResponse()
                #expect(response.status == 200, "\(response.body)")
                // The connection goes on.
                try await connection.send(RawHTTPConnection.putEvents(Self.oneEntry))
                #expect(try await connection.readResponse().status == 200)
            }
        }
    }

    @Test(arguments: ["GARBAGE / HTTP/1.1\r\n\r\n", "POST / HTTP/9.9\r\n\r\n", "POST / HTTP/1.1\r\nBad Header\r\n\r\n"])
    func malformedFirstRequestIsBadRequestThenClosed(request: String) async throws {
        try await withPushBridgeServer { server in
            let connection = try await RawHTTPConnection(port: server.port)
            try await connection.send(request)
            let response = try await connection.readResponse()
            #expect(response.status == 400)
            #expect(response.header("connection") == "close")
            #expect(try await connection.isClosedByServer())
            try await expectStillServing(server)
        }
    }

    @Test func upgradeRefusedOnThePutEventsPathIsNotIngested() async throws {
        try await withPushBridgeServer { server in
            let connection = try await RawHTTPConnection(port: server.port)
            let upgrade = ["Connection: Upgrade", "Upgrade: websocket", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]
            try await connection.send(RawHTTPConnection.request("POST", "/events", headers: upgrade, body: Self.oneEntry))
            let response = try await connection.readResponse()
            #expect(response.status == 400)
            #expect(try await connection.isClosedByServer(), "one answer, then the connection ends")
            #expect(try await server.ingestedCount() == 0)
        }
    }

    @Test func nothingIsReadAfterARoutedConnectionClose() async throws {
        try await withPushBridgeServer { server in
            let connection = try await RawHTTPConnection(port: server.port)
            try await connection.send(
                RawHTTPConnection.request("GET", "/healthz", headers: ["Connection: close"])
                    + RawHTTPConnection.putEvents(Self.oneEntry)
            )
            let response = try await connection.readResponse()
            #expect(response.status == 200)
            #expect(try await connection.isClosedByServer())
            #expect(try await server.ingestedCount() == 0, "a PutEvents after Connection: close must not be ingested unanswered")
        }
    }
}

extension TestServer {
    /// `pushbridge_events_ingested_total` from `/metrics` (0 before the first event).
    func ingestedCount() async throws -> Int {
        let text = try await request(.get, "/metrics").bodyText
        let line = text.split(separator: "\n").first { $0.hasPrefix("pushbridge_events_ingested_total ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }.map { Int($0) } ?? 0
    }
}
