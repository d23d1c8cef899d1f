import NIOCore
import NIOWebSocket
import PushBridgeCore
import Synchronization

/// A ``ConnectionSink`` that writes frames straight onto the connection's channel.
///
/// Fan-out runs off the event loop; handing each frame to the channel (one hop onto its event loop, no task to
/// wake) is what keeps the cost per delivery low. The bound on a slow reader is the channel's own pending-write
/// buffer: its high water mark is the connection's outbound limit, and a channel that is not writable when a
/// frame arrives is full. Frames from every producer (fan-out, PostToConnection, replies) take the same path,
/// so their order is the order they were sent in.
final class ChannelConnectionSink: ConnectionSink {
    private let channel: any Channel
    private let maximumFrameSize: Int
    private let closing = Atomic<Bool>(false)
    /// How long a close frame may wait behind unread data before the socket is dropped.
    static let closeGracePeriod = TimeAmount.seconds(2)

    init(channel: any Channel, maximumFrameSize: Int) {
        self.channel = channel
        self.maximumFrameSize = maximumFrameSize
    }

    func send(text: ByteBuffer) -> SendResult {
        guard !closing.load(ordering: .relaxed), channel.isActive else { return .closed }
        guard channel.isWritable else { return .bufferFull }
        let channel = self.channel
        let maximumFrameSize = self.maximumFrameSize
        if channel.eventLoop.inEventLoop {
            Self.write(text, to: channel, maximumFrameSize: maximumFrameSize)
        } else {
            channel.eventLoop.execute { Self.write(text, to: channel, maximumFrameSize: maximumFrameSize) }
        }
        return .queued
    }

    func close(code: UInt16, reason: String) {
        guard beginClosing() else { return }
        var data = channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        data.write(webSocketErrorCode: WebSocketErrorCode(codeNumber: Int(code)))
        data.writeString(reason)
        let channel = self.channel
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data), promise: nil)
        // A reader that stopped reading never lets the close frame through: drop the socket after a grace period.
        channel.eventLoop.scheduleTask(in: Self.closeGracePeriod) { channel.close(promise: nil) }
    }

    /// Marks the connection as closing; true for the first caller only, who then owns sending the close frame.
    func beginClosing() -> Bool {
        closing.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged
    }

    private static func write(_ text: ByteBuffer, to channel: any Channel, maximumFrameSize: Int) {
        if text.readableBytes <= maximumFrameSize {
            channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: text), promise: nil)
            return
        }
        for frame in frames(text, maximumFrameSize: maximumFrameSize) { channel.write(frame, promise: nil) }
        channel.flush()
    }

    /// One text message as frames of at most `maximumFrameSize` bytes, as API Gateway sends them.
    static func frames(_ buffer: ByteBuffer, maximumFrameSize: Int) -> [WebSocketFrame] {
        guard buffer.readableBytes > maximumFrameSize else { return [WebSocketFrame(fin: true, opcode: .text, data: buffer)] }
        var frames: [WebSocketFrame] = []
        var rest = buffer
        var opcode = WebSocketOpcode.text
        while rest.readableBytes > 0 {
            let slice = rest.readSlice(length: min(maximumFrameSize, rest.readableBytes))!
            frames.append(WebSocketFrame(fin: rest.readableBytes == 0, opcode: opcode, data: slice))
            opcode = .continuation
        }
        return frames
    }
}
