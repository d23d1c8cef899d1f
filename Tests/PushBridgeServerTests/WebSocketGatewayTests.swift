import HTTPTypes
import HummingbirdTesting
import NIOCore
import PushBridgeCore
import PushBridgeJSON
import PushBridgeServer
import Testing

/// Subscribing over the WebSocket gateway and receiving pushes from PutEvents.
///
/// "Received nothing" is never asserted by waiting: a later control event goes through the same FIFO
/// target queue, so when the control push is the next frame, nothing was pushed before it.
@Suite struct WebSocketGatewayTests {
    @Test func subscribeThenPutEventsPushesTheSampleFrame() async throws {
        try await withPushBridgeServer { server in
            try await TestWebSocket.with(server.webSocketURL("/dev")) { socket in
                let entity = unique("entity")
                try await socket.subscribe(entity)
                try await server.publish(entityId: entity, message: "Status changed from 'New' to 'In Progress'")
                try await socket.expectPush(entityId: entity, message: "Status changed from 'New' to 'In Progress'")

                // No message in the event: no message key in the push.
                try await server.publish(entityId: entity, message: nil)
                try await socket.expectPush(entityId: entity, message: nil)

                // Escaping survives the round trip.
                try await server.publish(entityId: entity, message: "quote \" backslash \\ wörld ✓")
                try await socket.expectPush(entityId: entity, message: "quote \" backslash \\ wörld ✓")
                #expect(server.runtime.fanOutStatistics.pushedCount == 3)
            }
        }
    }

    @Test func curlFormPostEventsPushes() async throws {
        try await withPushBridgeServer { server in
            try await TestWebSocket.with(server.webSocketURL("/dev")) { socket in
                let entity = unique("curl")
                try await socket.subscribe(entity)
                let body: JSONValue = ["Entries": [entityUpdated(entityId: entity, message: "from curl")]]
                let response = try await server.request(
                    .post,
                    "/events",
                    headers: [.contentType: "application/json"],
                    body: ByteBuffer(string: body.jsonText)
                )
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                let json = try response.json()
                #expect(json["FailedEntryCount"] == 0)
                #expect(json.objectValue?.keys == ["FailedEntryCount", "Entries"])
                #expect(json["Entries"]?.arrayValue?.first?["EventId"]?.stringValue?.isEmpty == false)
                try await socket.expectPush(entityId: entity, message: "from curl")

                try await server.publish(entityId: entity, message: "after curl")
                try await socket.expectPush(entityId: entity, message: "after curl")
            }
        }
    }

    @Test func entitiesAreIsolated() async throws {
        try await withPushBridgeServer { server in
            try await TestWebSocket.with(server.webSocketURL()) { a in
                try await TestWebSocket.with(server.webSocketURL()) { b in
                    let (entityA, entityB) = (unique("iso-a"), unique("iso-b"))
                    try await a.subscribe(entityA)
                    try await b.subscribe(entityB)

                    try await server.publish(entityId: entityA, message: "for a")
                    try await a.expectPush(entityId: entityA, message: "for a")
                    try await server.publish(entityId: entityB, message: "for b")
                    try await b.expectPush(entityId: entityB, message: "for b")
                    // Controls: each socket's next frame is its own entity's, so nothing else came first.
                    try await server.publish(entityId: entityA, message: "control a")
                    try await a.expectPush(entityId: entityA, message: "control a")
                }
            }
        }
    }

    @Test func fanOutToThreeSocketsExactlyOnce() async throws {
        try await withPushBridgeServer { server in
            let entity = unique("fan")
            try await withWebSockets(3, server.webSocketURL()) { sockets in
                for socket in sockets { try await socket.subscribe(entity) }
                try await server.publish(entityId: entity, message: "to all")
                for socket in sockets { try await socket.expectPush(entityId: entity, message: "to all") }
                // A duplicate would arrive before the control push.
                try await server.publish(entityId: entity, message: "control")
                for socket in sockets { try await socket.expectPush(entityId: entity, message: "control") }
                #expect(server.runtime.fanOutStatistics.pushedCount == 6)
            }
        }
    }

    @Test func unsubscribeStopsDelivery() async throws {
        try await withPushBridgeServer { server in
            try await withWebSockets(2, server.webSocketURL()) { sockets in
                let (a, b) = (sockets[0], sockets[1])
                let (entity, control) = (unique("unsub"), unique("control"))
                try await a.subscribe(entity)
                try await a.subscribe(control)
                try await b.subscribe(entity)
                try await server.publish(entityId: entity, message: "first")
                try await a.expectPush(entityId: entity, message: "first")
                try await b.expectPush(entityId: entity, message: "first")
                #expect(server.runtime.registry.subscriptionCount == 3)

                try await a.unsubscribe(entity)
                #expect(server.runtime.registry.subscriptionCount == 2)
                try await server.publish(entityId: entity, message: "second")
                try await b.expectPush(entityId: entity, message: "second")
                try await server.publish(entityId: control, message: "control")
                try await a.expectPush(entityId: control, message: "control")

                // Unsubscribing from something not subscribed is silent.
                try await a.unsubscribe(unique("never"))
            }
        }
    }

    @Test func subscriptionLimitAnswersWithAnErrorFrame() async throws {
        let configure: (inout ServerConfiguration) -> Void = { $0.maximumSubscriptionsPerConnection = 2 }
        try await withPushBridgeServer(configure: configure) { server in
            try await TestWebSocket.with(server.webSocketURL()) { socket in
                let id = try await socket.connectionId()
                let (first, second, third) = (unique("one"), unique("two"), unique("three"))
                try await socket.subscribe(first)
                try await socket.subscribe(second)
                // Subscribing again to the same entity is not a new subscription.
                try await socket.subscribe(first)

                socket.send(["action": "subscribe", "entityId": .string(third)])
                let frame = try await socket.receiveJSON("the limit error frame")
                #expect(frame.objectValue?.keys == ["message", "connectionId", "requestId"])
                #expect(frame["message"] == "subscribe: this connection already has the maximum of 2 subscriptions; unsubscribe first")
                #expect(frame["connectionId"]?.stringValue == id)
                #expect(frame["requestId"]?.stringValue?.isEmpty == false)
                #expect(server.runtime.registry.subscriptions(of: id) == [first, second].sorted())

                try await server.publish(entityId: first, message: "still subscribed")
                try await socket.expectPush(entityId: first, message: "still subscribed")
                try await socket.unsubscribe(second)
                try await socket.subscribe(third)
                try await server.publish(entityId: third, message: "room made")
                try await socket.expectPush(entityId: third, message: "room made")
            }
        }
    }

    @Test(arguments: ["/", "/dev"])
    func socketsConnectAtRootAndStage(path: String) async throws {
        try await withPushBridgeServer { server in
            try await TestWebSocket.with(server.webSocketURL(path)) { socket in
                let entity = unique("path")
                try await socket.subscribe(entity)
                try await server.publish(entityId: entity, message: "via \(path)")
                try await socket.expectPush(entityId: entity, message: "via \(path)")
            }
        }
    }

    @Test(arguments: [
        (["Sec-WebSocket-Protocol: websocket"], ["websocket"]),
        (["Sec-WebSocket-Protocol: chat, websocket"], ["websocket"]),
        (["Sec-WebSocket-Protocol: chat", "Sec-WebSocket-Protocol: websocket"], ["websocket"]),
        ([], []),
        (["Sec-WebSocket-Protocol: chat"], []),
    ])
    func subprotocolWebsocketIsEchoedOnlyWhenOffered(offer: [String], expected: [String]) async throws {
        try await withPushBridgeServer { server in
            let socket = try await RawWebSocket(port: server.port, path: "/dev", extraHeaders: offer)
            #expect(socket.statusLine == "HTTP/1.1 101 Switching Protocols")
            #expect(socket.handshakeHeader("Sec-WebSocket-Protocol") == expected)
            #expect(socket.handshakeHeader("Sec-WebSocket-Accept") == ["s3pPLMBiTxaQ9kYGzzhZRbK+xOo="])
            // The upgraded socket speaks: an unknown action is answered.
            try await socket.sendText(#"{"action":"nope"}"#)
            let (opcode, payload) = try await socket.readFrame()
            #expect(opcode == 0x1)
            let frame = try JSONParser.parse(String(buffer: payload))
            #expect(frame["message"] == "Forbidden")
            await socket.abort()
        }
    }

    @Test func connectionsComeAndGo() async throws {
        try await withPushBridgeServer { server in
            for round in 0..<5 {
                try await TestWebSocket.with(server.webSocketURL()) { socket in
                    let entity = unique("round\(round)")
                    try await socket.subscribe(entity)
                    try await server.publish(entityId: entity, message: "round \(round)")
                    try await socket.expectPush(entityId: entity, message: "round \(round)")
                }
            }
            try await eventually("every connection to be removed") {
                server.runtime.registry.connectionCount == 0 && server.runtime.registry.subscriptionCount == 0
            }
        }
    }
}

/// Opens `count` sockets to `url`, runs `body` with them, then closes them.
func withWebSockets(
    _ count: Int,
    _ url: String,
    opened: [TestWebSocket] = [],
    _ body: @escaping @Sendable ([TestWebSocket]) async throws -> Void
) async throws {
    guard opened.count < count else { return try await body(opened) }
    try await TestWebSocket.with(url) { socket in
        try await withWebSockets(count, url, opened: opened + [socket], body)
    }
}
