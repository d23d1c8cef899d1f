import Foundation
import NIOCore
import NIOPosix

/// A WebSocket client done by hand on a TCP socket, for what a well-behaved client cannot do: read the raw
/// handshake response, and stop reading altogether (a slow consumer).
///
/// The socket's receive buffer is small, so once the test stops reading the server's writes back up quickly.
final class RawWebSocket {
    let channel: any Channel
    private let received: Inbox<ByteBuffer>
    private var pending = ByteBuffer()
    /// The HTTP response head of the handshake, as received.
    private(set) var handshakeResponse = ""

    /// Connects and performs the upgrade with these extra request header lines (e.g. `Sec-WebSocket-Protocol: x`).
    init(port: Int, path: String, extraHeaders: [String] = [], receiveBufferSize: Int = 4096) async throws {
        (channel, received) = try await InboxHandler.connect(port: port, receiveBufferSize: receiveBufferSize)
        var lines = [
            "GET \(path) HTTP/1.1",
            "Host: 127.0.0.1:\(port)",
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version: 13",
        ]
        lines += extraHeaders
        try await channel.writeAndFlush(ByteBuffer(string: lines.joined(separator: "\r\n") + "\r\n\r\n"))
        for _ in 0..<64 {
            if let range = pending.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) {
                handshakeResponse = pending.readString(length: range.upperBound - pending.readerIndex) ?? ""
                return
            }
            try await readMore("the handshake response")
        }
        throw TimeoutError(what: "a complete handshake response", limit: waitLimit)
    }

    /// Stops reading from the socket: the kernel's receive buffer fills up and the server's writes back up.
    func stopReading() async throws {
        try await channel.setOption(.autoRead, value: false).get()
    }

    /// Response header values by lowercase name.
    func handshakeHeader(_ name: String) -> [String] {
        handshakeResponse.split(separator: "\r\n").dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == name.lowercased() else { return nil }
            return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
    }

    var statusLine: Substring { handshakeResponse.split(separator: "\r\n").first ?? "" }

    private func readMore(_ what: String) async throws {
        guard var chunk = try await received.next(within: waitLimit, what) else { throw EndOfStream() }
        pending.writeBuffer(&chunk)
    }

    struct EndOfStream: Error {}

    /// Sends one masked text frame (clients must mask).
    func sendText(_ text: String) async throws {
        try await sendFrame(opcode: 0x1, payload: Array(text.utf8))
    }

    /// Sends one frame with any opcode, final or not (to test fragments and control frames); masked as clients
    /// must, unless `masked` is false; `rsv` sets the three reserved bits (0–7).
    func sendFrame(opcode: UInt8, fin: Bool = true, payload: [UInt8], masked: Bool = true, rsv: UInt8 = 0) async throws {
        try await channel.writeAndFlush(Self.frame(opcode: opcode, fin: fin, payload: payload, masked: masked, rsv: rsv))
    }

    /// Several frames in one write, so the server reads them together.
    func sendFrames(_ frames: [(opcode: UInt8, payload: [UInt8])]) async throws {
        var bytes = ByteBuffer()
        for (opcode, payload) in frames {
            var frame = Self.frame(opcode: opcode, fin: true, payload: payload, masked: true, rsv: 0)
            bytes.writeBuffer(&frame)
        }
        try await channel.writeAndFlush(bytes)
    }

    static func frame(opcode: UInt8, fin: Bool, payload: [UInt8], masked: Bool, rsv: UInt8) -> ByteBuffer {
        var frame = ByteBuffer()
        frame.writeInteger(UInt8((fin ? 0x80 : 0) | (rsv & 0x7) << 4 | opcode))
        let maskBit: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            frame.writeInteger(UInt8(maskBit | UInt8(payload.count)))
        } else {
            frame.writeInteger(UInt8(maskBit | 126))
            frame.writeInteger(UInt16(payload.count))
        }
        if masked {
            let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
            frame.writeBytes(mask)
            frame.writeBytes(payload.enumerated().map { $0.element ^ mask[$0.offset % 4] })
        } else {
            frame.writeBytes(payload)
        }
        return frame
    }

    /// The next complete frame from the server: opcode and payload.
    func readFrame() async throws -> (opcode: UInt8, payload: ByteBuffer) {
        for _ in 0..<1024 {
            if let frame = Self.parseFrame(&pending) { return frame }
            try await readMore("a frame")
        }
        throw TimeoutError(what: "a complete frame", limit: waitLimit)
    }

    private static func parseFrame(_ buffer: inout ByteBuffer) -> (opcode: UInt8, payload: ByteBuffer)? {
        var peek = buffer
        guard let first = peek.readInteger(as: UInt8.self), let second = peek.readInteger(as: UInt8.self) else { return nil }
        var length = Int(second & 0x7F)
        if length == 126 {
            guard let extended = peek.readInteger(as: UInt16.self) else { return nil }
            length = Int(extended)
        } else if length == 127 {
            guard let extended = peek.readInteger(as: UInt64.self) else { return nil }
            length = Int(extended)
        }
        guard second & 0x80 == 0, let payload = peek.readSlice(length: length) else { return nil }
        buffer = peek
        return (first & 0x0F, payload)
    }

    /// Whether the server ends the connection with nothing more after what was read (a close frame, say).
    func isClosedWithoutMoreFrames() async throws -> Bool {
        while let chunk = try await received.next(within: waitLimit, "the connection to end") {
            if chunk.readableBytes > 0 || pending.readableBytes > 0 { return false }
        }
        return pending.readableBytes == 0
    }

    /// Closes the TCP connection without a close handshake.
    func abort() async {
        try? await channel.close()
    }
}

/// Hands every chunk read to an ``Inbox``; the end of the connection finishes it.
final class InboxHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let inbox: Inbox<ByteBuffer>

    init(inbox: Inbox<ByteBuffer>) { self.inbox = inbox }

    /// A TCP connection to the test server whose reads arrive in the returned inbox.
    static func connect(port: Int, receiveBufferSize: Int? = nil) async throws -> (any Channel, Inbox<ByteBuffer>) {
        let received = Inbox<ByteBuffer>()
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connectTimeout(.seconds(3))
        if let receiveBufferSize {
            bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: SocketOptionValue(receiveBufferSize))
        }
        let channel = try await bootstrap.channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(InboxHandler(inbox: received))
            }
        }
        .connect(host: "127.0.0.1", port: port)
        .get()
        return (channel, received)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inbox.push(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.finish()
        context.fireChannelInactive()
    }
}
