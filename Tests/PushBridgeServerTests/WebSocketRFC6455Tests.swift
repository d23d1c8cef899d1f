import HTTPTypes
import HummingbirdTesting
import NIOCore
import PushBridgeCore
import PushBridgeJSON
import PushBridgeServer
import Testing

/// RFC 6455 as written: what a client may not send closes with 1002 (or 1007 for text that is not UTF-8), is
/// never echoed, and the server keeps serving.
@Suite struct WebSocketRFC6455Tests {
    /// Sends `frames` on a fresh socket and returns the close code the server answers with.
    private func closeCode(_ server: TestServer, _ send: (RawWebSocket) async throws -> Void) async throws -> UInt16? {
        let socket = try await RawWebSocket(port: server.port, path: "/dev")
        try await send(socket)
        for _ in 0..<8 {
            var (opcode, payload) = try await socket.readFrame()
            if opcode == 0x8 {
                await socket.abort()
                return payload.readInteger(as: UInt16.self)
            }
        }
        await socket.abort()
        return nil
    }

    @Test func anUnmaskedFrameIsAProtocolError() async throws {
        try await withPushBridgeServer { server in
            let code = try await closeCode(server) { try await $0.sendFrame(opcode: 0x1, payload: Array("{}".utf8), masked: false) }
            #expect(code == 1002)
            try await expectStillServing(server)
        }
    }

    @Test(arguments: [UInt8(1), 2, 4, 7])
    func reservedBitsWithoutAnExtensionAreAProtocolError(_ rsv: UInt8) async throws {
        try await withPushBridgeServer { server in
            let code = try await closeCode(server) { try await $0.sendFrame(opcode: 0x1, payload: Array("{}".utf8), rsv: rsv) }
            #expect(code == 1002)
        }
    }

    @Test(arguments: [UInt8(0x3), 0x4, 0x7, 0xB, 0xF])
    func reservedOpcodesAreAProtocolError(_ opcode: UInt8) async throws {
        try await withPushBridgeServer { server in
            let code = try await closeCode(server) { try await $0.sendFrame(opcode: opcode, payload: [1, 2]) }
            #expect(code == 1002)
        }
    }

    @Test(arguments: [UInt8(0x9), 0xA, 0x8])
    func fragmentedControlFramesAreAProtocolError(_ opcode: UInt8) async throws {
        try await withPushBridgeServer { server in
            let code = try await closeCode(server) { try await $0.sendFrame(opcode: opcode, fin: false, payload: [0x03, 0xE8]) }
            #expect(code == 1002)
        }
    }

    @Test func textThatIsNotUTF8ClosesWith1007() async throws {
        try await withPushBridgeServer { server in
            let whole = try await closeCode(server) { try await $0.sendFrame(opcode: 0x1, payload: [0x7B, 0xC3, 0x28, 0x7D]) }
            #expect(whole == 1007)
            // A character split across fragments is fine; bytes that are wrong once joined are not.
            let split = try await closeCode(server) { socket in
                try await socket.sendFrame(opcode: 0x1, fin: false, payload: [0x22, 0xC3])
                try await socket.sendFrame(opcode: 0x0, fin: true, payload: [0xA9, 0x22, 0xFF])
            }
            #expect(split == 1007)
            try await expectStillServing(server)
        }
    }

    @Test func aCharacterSplitAcrossFragmentsIsValid() async throws {
        try await withPushBridgeServer { server in
            let socket = try await RawWebSocket(port: server.port, path: "/dev")
            let text = Array(#"{"action":"subscribe","entityId":"café"}"#.utf8)
            let cut = text.firstIndex(of: 0xC3)! + 1
            try await socket.sendFrame(opcode: 0x1, fin: false, payload: Array(text[..<cut]))
            try await socket.sendFrame(opcode: 0x0, fin: true, payload: Array(text[cut...]))
            try await eventually("the subscription") { server.runtime.registry.subscribers(of: "café").count == 1 }
            await socket.abort()
        }
    }

    @Test(arguments: [UInt16(0), 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535])
    func aCloseWithAnInvalidCodeIsAnsweredWith1002(_ sent: UInt16) async throws {
        try await withPushBridgeServer { server in
            let code = try await closeCode(server) { socket in
                var payload = ByteBuffer()
                payload.writeInteger(sent)
                try await socket.sendFrame(opcode: 0x8, payload: Array(payload.readableBytesView))
            }
            #expect(code == 1002, "close code \(sent) was answered with \(String(describing: code))")
        }
    }

    @Test(arguments: [UInt16(1000), 1001, 1003, 1007, 1014, 3000, 4999])
    func aCloseWithAValidCodeIsEchoed(_ sent: UInt16) async throws {
        try await withPushBridgeServer { server in
            let code = try await closeCode(server) { socket in
                var payload = ByteBuffer()
                payload.writeInteger(sent)
                payload.writeString("bye")
                try await socket.sendFrame(opcode: 0x8, payload: Array(payload.readableBytesView))
            }
            #expect(code == sent)
        }
    }

    @Test func aOneByteCloseOrABadReasonIsRefused() async throws {
        try await withPushBridgeServer { server in
            let oneByte = try await closeCode(server) { try await $0.sendFrame(opcode: 0x8, payload: [0x03]) }
            #expect(oneByte == 1002)
            let badReason = try await closeCode(server) { socket in
                try await socket.sendFrame(opcode: 0x8, payload: [0x03, 0xE8, 0xFF, 0xFE])
            }
            #expect(badReason == 1007)
            // An empty close is answered with 1000.
            let empty = try await closeCode(server) { try await $0.sendFrame(opcode: 0x8, payload: []) }
            #expect(empty == 1000)
        }
    }

    /// Found by fuzzing: a reply queued before a protocol error went out after the close frame.
    @Test func nothingFollowsTheCloseFrameAndWhatCameBeforeItGoesFirst() async throws {
        try await withPushBridgeServer { server in
            let socket = try await RawWebSocket(port: server.port, path: "/dev")
            try await socket.sendFrames([
                (0x1, Array(#"{"action":"subscribe","entityId":""}"#.utf8)), (0x0, Array("stray".utf8)),
            ])
            let (firstOpcode, reply) = try await socket.readFrame()
            #expect(firstOpcode == 0x1, "the reply to the first message comes first: \(String(buffer: reply))")
            var (closeOpcode, payload) = try await socket.readFrame()
            #expect(closeOpcode == 0x8)
            #expect(payload.readInteger(as: UInt16.self) == 1002)
            #expect(try await socket.isClosedWithoutMoreFrames())
            await socket.abort()
        }
    }

    @Test func postToConnectionRefusesBytesThatAreNotUTF8() async throws {
        try await withPushBridgeServer { server in
            let socket = try await RawWebSocket(port: server.port, path: "/dev")
            try await socket.sendText(#"{"action":"whoami"}"#)
            let (_, reply) = try await socket.readFrame()
            let id = try #require(try JSONParser.parse(String(buffer: reply))["connectionId"]?.stringValue)
            let refused = try await server.request(.post, "/dev/@connections/\(id)", body: ByteBuffer(bytes: [0xC3, 0x28]))
            #expect(refused.status == .badRequest)
            #expect(refused.bodyText.contains("UTF-8"))
            let accepted = try await server.request(.post, "/dev/@connections/\(id)", body: ByteBuffer(string: "héllo"))
            #expect(accepted.status == .ok)
            let (opcode, payload) = try await socket.readFrame()
            #expect(opcode == 0x1)
            #expect(String(buffer: payload) == "héllo")
            await socket.abort()
        }
    }
}
