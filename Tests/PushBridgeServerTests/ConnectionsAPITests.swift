import Foundation
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import NIOCore
import NIOWebSocket
import PushBridgeCore
import PushBridgeJSON
import PushBridgeServer
import Testing

/// API Gateway's Management API: `POST|GET|DELETE [/dev]/@connections/{id}`.
@Suite struct ConnectionsAPITests {
    @Test(arguments: ["/dev", ""])
    func postDeliversTheRawBodyAsATextFrame(prefix: String) async throws {
        try await withPushBridgeServer { server in
            try await TestWebSocket.with(server.webSocketURL()) { socket in
                let id = try await socket.connectionId()
                let data = #"{"hello":"wörld"} and some trailing text ✓"#
                let response = try await server.request(.post, "\(prefix)/@connections/\(id)", body: ByteBuffer(string: data))
                #expect(response.status == .ok)
                #expect(response.bodyText == "")
                #expect(try await socket.receive("the posted data") == data)

                // A body larger than one frame (32 KB) arrives as one message.
                let large = String(repeating: "0123456789", count: 10_000)
                let second = try await server.request(.post, "\(prefix)/@connections/\(id)", body: ByteBuffer(string: large))
                #expect(second.status == .ok)
                #expect(try await socket.receive("the large posted data") == large)
            }
            try await expectStillServing(server)
        }
    }

    @Test func postOverTheMessageLimitIsPayloadTooLarge() async throws {
        try await withPushBridgeServer { server in
            try await TestWebSocket.with(server.webSocketURL()) { socket in
                let id = try await socket.connectionId()
                let atLimit = String(repeating: "a", count: 128 * 1024)
                let accepted = try await server.request(.post, "/dev/@connections/\(id)", body: ByteBuffer(string: atLimit))
                #expect(accepted.status == .ok)
                #expect(try await socket.receive("the 128 KB message") == atLimit)

                let response = try await server.request(.post, "/dev/@connections/\(id)", body: ByteBuffer(string: atLimit + "a"))
                #expect(response.status == .contentTooLarge)
                #expect(response.headers[.amznErrorType] == "PayloadTooLargeException")
                #expect(response.bodyText == #"{"message":"Message too long: the limit is 131072 bytes."}"#)

                // Nothing was delivered, and the socket still works.
                try await socket.connectionId()
                let after = try await server.request(.post, "/dev/@connections/\(id)", body: ByteBuffer(string: "after"))
                #expect(after.status == .ok)
                #expect(try await socket.receive() == "after")
            }
        }
    }

    @Test func keepAliveConnectionStaysUsableAfterPayloadTooLarge() async throws {
        try await withPushBridgeServer { server in
            try await TestWebSocket.with(server.webSocketURL()) { socket in
                let id = try await socket.connectionId()
                let port = server.port
                try await withTimeout("two requests on one connection") {
                    try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: waitLimit)) { client in
                        let tooLarge = ByteBuffer(string: String(repeating: "a", count: 200_000))
                        let first = try await client.post("/dev/@connections/\(id)", body: tooLarge)
                        #expect(first.status == .contentTooLarge)
                        let second = try await client.post("/dev/@connections/\(id)", body: ByteBuffer(string: "fits"))
                        #expect(second.status == .ok)
                    }
                }
                #expect(try await socket.receive() == "fits")
            }
        }
    }

    @Test(arguments: ["/dev", ""])
    func getReturnsTheConnectionWithLowercaseKeys(prefix: String) async throws {
        try await withPushBridgeServer { server in
            let before = Date()
            try await TestWebSocket.with(server.webSocketURL(), headers: [.userAgent: "PushBridgeTests/1.0"]) { socket in
                let id = try await socket.connectionId()
                let response = try await server.request(.get, "\(prefix)/@connections/\(id)")
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                let json = try response.json()
                #expect(json.objectValue?.keys == ["connectedAt", "identity", "lastActiveAt"])
                #expect(json["identity"]?.objectValue?.keys == ["sourceIp", "userAgent"])
                #expect(json["identity"]?["sourceIp"] == "127.0.0.1")
                #expect(json["identity"]?["userAgent"] == "PushBridgeTests/1.0")
                let format = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
                let connectedAt = try format.parse(try #require(json["connectedAt"]?.stringValue))
                let lastActiveAt = try format.parse(try #require(json["lastActiveAt"]?.stringValue))
                #expect(json["connectedAt"]?.stringValue?.hasSuffix("Z") == true)
                #expect(connectedAt >= before.addingTimeInterval(-1) && connectedAt <= Date().addingTimeInterval(1))
                // The probe message made the connection active after it connected.
                #expect(lastActiveAt >= connectedAt && lastActiveAt <= Date().addingTimeInterval(1))
            }
        }
    }

    @Test(arguments: ["/dev", ""])
    func deleteClosesTheSocketThenGone(prefix: String) async throws {
        try await withPushBridgeServer { server in
            try await TestWebSocket.with(server.webSocketURL()) { socket in
                let entity = unique("deleted")
                try await socket.subscribe(entity)
                let id = try await socket.connectionId()
                let response = try await server.request(.delete, "\(prefix)/@connections/\(id)")
                #expect(response.status == .noContent)
                #expect(response.bodyText == "")
                let close = try await socket.expectClosed()
                #expect(close?.closeCode == .normalClosure)
                #expect(server.runtime.registry.subscriptions(of: id) == nil)

                let again = try await server.request(.post, "\(prefix)/@connections/\(id)", body: ByteBuffer(string: "after delete"))
                expectGone(again, id: id)
                expectGone(try await server.request(.delete, "\(prefix)/@connections/\(id)"), id: id)
            }
            try await expectStillServing(server)
        }
    }

    @Test(arguments: ["/dev", ""])
    func unknownIdIsGone(prefix: String) async throws {
        try await withPushBridgeServer { server in
            let id = "neverExisted1234"
            expectGone(try await server.request(.post, "\(prefix)/@connections/\(id)", body: ByteBuffer(string: "x")), id: id)
            expectGone(try await server.request(.get, "\(prefix)/@connections/\(id)"), id: id)
            expectGone(try await server.request(.delete, "\(prefix)/@connections/\(id)"), id: id)
            try await expectStillServing(server)
        }
    }

    @Test func percentEncodedIdsAreDecoded() async throws {
        try await withPushBridgeServer { server in
            // `=` arrives as %3D from the SDKs: the id looked up is the decoded one.
            expectGone(try await server.request(.get, "/dev/@connections/abc%3D"), id: "abc=")
            try await TestWebSocket.with(server.webSocketURL()) { socket in
                let id = try await socket.connectionId()
                let encoded = id.utf8.map { "%" + String($0, radix: 16, uppercase: true) }.joined()
                let get = try await server.request(.get, "/dev/@connections/\(encoded)")
                #expect(get.status == .ok)
                let post = try await server.request(.post, "/@connections/\(encoded)", body: ByteBuffer(string: "encoded"))
                #expect(post.status == .ok)
                #expect(try await socket.receive() == "encoded")
            }
        }
    }

    @Test func closedClientIsCleanedUp() async throws {
        try await withPushBridgeServer { server in
            let entity = unique("cleanup")
            try await TestWebSocket.with(server.webSocketURL()) { stays in
                try await stays.subscribe(entity)
                let id = try await TestWebSocket.with(server.webSocketURL()) { leaves in
                    try await leaves.subscribe(entity)
                    try await leaves.subscribe(unique("other"))
                    return try await leaves.connectionId()
                }
                // `with` has closed the socket.
                try await eventually("the closed connection to be removed") {
                    server.runtime.registry.record(id) == nil
                }
                expectGone(try await server.request(.get, "/dev/@connections/\(id)"), id: id)
                #expect(server.runtime.registry.subscriptionCount == 1)
                #expect(server.runtime.registry.connectionCount == 1)

                try await server.publish(entityId: entity, message: "to the one left")
                try await stays.expectPush(entityId: entity, message: "to the one left")
                try await server.publish(entityId: entity, message: "control")
                try await stays.expectPush(entityId: entity, message: "control")
            }
            try await expectStillServing(server)
        }
    }

    @Test func droppedTCPConnectionIsCleanedUp() async throws {
        try await withPushBridgeServer { server in
            let socket = try await RawWebSocket(port: server.port, path: "/dev")
            try await socket.sendText(#"{"action":"subscribe","entityId":"dropped"}"#)
            try await socket.sendText(#"{"action":"nope"}"#)
            let (_, payload) = try await socket.readFrame()
            let id = try #require(try JSONParser.parse(String(buffer: payload))["connectionId"]?.stringValue)
            #expect(server.runtime.registry.subscriptionCount == 1)
            await socket.abort()
            try await eventually("the dropped connection to be removed") {
                try await server.request(.get, "/dev/@connections/\(id)").status == .gone
            }
            #expect(server.runtime.registry.subscriptionCount == 0)
            try await expectStillServing(server)
        }
    }
}

/// A rest-json GoneException: 410, `x-amzn-ErrorType: GoneException`, `{"message":…}`.
func expectGone(_ response: TestClient.Response, id: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(response.status == .gone, sourceLocation: sourceLocation)
    #expect(response.headers[.amznErrorType] == "GoneException", sourceLocation: sourceLocation)
    #expect(response.bodyText == #"{"message":"Connection \#(id) is gone."}"#, sourceLocation: sourceLocation)
}
