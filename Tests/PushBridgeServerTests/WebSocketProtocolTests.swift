import NIOCore
import PushBridgeCore
import PushBridgeServer
import Testing

/// The WebSocket rules the gateway's connection handler keeps itself: pings, fragments, the closing handshake.
@Suite struct WebSocketProtocolTests {
    @Test func pingIsAnsweredWithAPongCarryingTheSamePayload() async throws {
        try await withPushBridgeServer { server in
            let socket = try await RawWebSocket(port: server.port, path: "/dev")
            try await socket.sendFrame(opcode: 0x9, payload: Array("are you there".utf8))
            let (opcode, payload) = try await socket.readFrame()
            #expect(opcode == 0xA)
            #expect(String(buffer: payload) == "are you there")
            await socket.abort()
        }
    }

    @Test func aFragmentedMessageIsJoinedBeforeRouting() async throws {
        try await withPushBridgeServer { server in
            let socket = try await RawWebSocket(port: server.port, path: "/dev")
            try await socket.sendFrame(opcode: 0x1, fin: false, payload: Array(#"{"action":"sub"#.utf8))
            try await socket.sendFrame(opcode: 0x9, payload: [])  // a control frame may come between fragments
            try await socket.sendFrame(opcode: 0x0, fin: false, payload: Array(#"scribe","entity"#.utf8))
            try await socket.sendFrame(opcode: 0x0, fin: true, payload: Array(#"Id":"joined"}"#.utf8))
            #expect(try await socket.readFrame().opcode == 0xA)
            try await eventually("the subscription from the joined message") {
                server.runtime.registry.subscribers(of: "joined").count == 1
            }
            await socket.abort()
        }
    }

    @Test func aContinuationWithoutAMessageIsAProtocolError() async throws {
        try await withPushBridgeServer { server in
            let socket = try await RawWebSocket(port: server.port, path: "/dev")
            try await socket.sendFrame(opcode: 0x0, payload: Array("stray".utf8))
            var (opcode, payload) = try await socket.readFrame()
            #expect(opcode == 0x8)
            #expect(payload.readInteger(as: UInt16.self) == 1002)
            await socket.abort()
            try await expectStillServing(server)
        }
    }

    @Test func aClientCloseIsEchoedAndTheConnectionIsGone() async throws {
        try await withPushBridgeServer { server in
            let socket = try await RawWebSocket(port: server.port, path: "/dev")
            try await socket.sendText(#"{"action":"subscribe","entityId":"leaving"}"#)
            try await eventually("the subscription") { server.runtime.registry.subscriptionCount == 1 }
            var code = ByteBuffer()
            code.writeInteger(UInt16(4000))
            try await socket.sendFrame(opcode: 0x8, payload: Array(code.readableBytesView))
            var (opcode, payload) = try await socket.readFrame()
            #expect(opcode == 0x8)
            #expect(payload.readInteger(as: UInt16.self) == 4000)
            try await eventually("the connection to be removed") {
                server.runtime.registry.connectionCount == 0 && server.runtime.registry.subscriptionCount == 0
            }
            await socket.abort()
        }
    }
}
