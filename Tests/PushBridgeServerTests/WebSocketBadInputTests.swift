import HummingbirdWSClient
import NIOWebSocket
import PushBridgeCore
import PushBridgeJSON
import PushBridgeServer
import Testing

/// What a client sends that no route accepts: API Gateway's error frames, and the socket stays usable.
@Suite struct WebSocketBadInputTests {
    @Test(arguments: [
        "this is {not json",
        #"{"entityId":"x"}"#,
        #"{"action":"nope"}"#,
        #"{"action":"Subscribe","entityId":"x"}"#,
        #"{"action":null}"#,
        #"["subscribe"]"#,
        "",
    ])
    func noRouteIsForbiddenAndTheSocketStaysUsable(text: String) async throws {
        try await withPushBridgeServer { server in
            try await TestWebSocket.with(server.webSocketURL()) { socket in
                let id = try await socket.connectionId()
                socket.send(text)
                let frame = try await socket.receiveJSON("the Forbidden frame")
                #expect(frame.objectValue?.keys == ["message", "connectionId", "requestId"])
                #expect(frame["message"] == "Forbidden")
                #expect(frame["connectionId"]?.stringValue == id)
                let requestId = try #require(frame["requestId"]?.stringValue)
                #expect(!requestId.isEmpty && requestId != id)

                let entity = unique("after")
                try await socket.subscribe(entity)
                try await server.publish(entityId: entity, message: "still usable")
                try await socket.expectPush(entityId: entity, message: "still usable")
            }
        }
    }

    @Test func eachErrorFrameHasItsOwnRequestId() async throws {
        try await withPushBridgeServer { server in
            try await TestWebSocket.with(server.webSocketURL()) { socket in
                var requestIds: Set<String> = []
                for _ in 0..<5 {
                    socket.send(#"{"action":"nope"}"#)
                    let frame = try await socket.receiveJSON()
                    requestIds.insert(try #require(frame["requestId"]?.stringValue))
                }
                #expect(requestIds.count == 5)
            }
        }
    }

    @Test(arguments: [
        (#"{"action":"subscribe"}"#, "subscribe: entityId is required"),
        (#"{"action":"subscribe","entityId":12345}"#, "subscribe: entityId must be a string, not a number"),
        (#"{"action":"subscribe","entityId":{"id":"x"}}"#, "subscribe: entityId must be a string, not an object"),
        (#"{"action":"subscribe","entityId":null}"#, "subscribe: entityId must be a string, not null"),
        (#"{"action":"subscribe","entityId":""}"#, "subscribe: entityId must not be empty"),
        (#"{"action":"subscribe","entityId":"\#(String(repeating: "x", count: 257))"}"#, "subscribe: entityId must be at most 256 UTF-8 bytes"),
        (#"{"action":"subscribe","entityId":"\#(String(repeating: "é", count: 129))"}"#, "subscribe: entityId must be at most 256 UTF-8 bytes"),
        (#"{"action":"unsubscribe"}"#, "unsubscribe: entityId is required"),
    ])
    func badSubscribeGetsAnErrorFrameWithAReason(text: String, reason: String) async throws {
        try await withPushBridgeServer { server in
            try await TestWebSocket.with(server.webSocketURL()) { socket in
                let id = try await socket.connectionId()
                socket.send(text)
                let frame = try await socket.receiveJSON("the error frame")
                #expect(frame.objectValue?.keys == ["message", "connectionId", "requestId"])
                #expect(frame["message"]?.stringValue == reason)
                #expect(frame["connectionId"]?.stringValue == id)
                #expect(server.runtime.registry.subscriptionCount == 0)

                let entity = unique("after-bad")
                try await socket.subscribe(entity)
                try await server.publish(entityId: entity, message: "still usable")
                try await socket.expectPush(entityId: entity, message: "still usable")
            }
        }
    }

    @Test func entityIdOfExactly256BytesIsAccepted() async throws {
        try await withPushBridgeServer { server in
            try await TestWebSocket.with(server.webSocketURL()) { socket in
                let entity = String(repeating: "x", count: 256)
                try await socket.subscribe(entity)
                try await server.publish(entityId: entity, message: "long id")
                try await socket.expectPush(entityId: entity, message: "long id")
            }
        }
    }

    @Test func oversizedMessageClosesWith1009() async throws {
        try await withPushBridgeServer { server in
            try await TestWebSocket.with(server.webSocketURL(), maxFrameSize: 1 << 20) { socket in
                socket.send(#"{"action":"subscribe","entityId":"big","pad":""# + String(repeating: "y", count: 200_000) + #""}"#)
                let close = try await socket.expectClosed()
                #expect(close?.closeCode == .messageTooLarge)
            }
            try await eventually("the closed connection to be removed") { server.runtime.registry.connectionCount == 0 }
            try await expectStillServing(server)
        }
    }
}
