import NIOCore
import NIOWebSocket
import PushBridgeCore
import Synchronization

/// A ``ConnectionSink`` that writes frames straight onto the connection's channel.
///
/// Fan-out runs off the event loop; frames reach the channel through its loop's ``EventLoopWriteQueue``, one
/// scheduled task per batch rather than per frame, which is what keeps the cost per delivery low. The bound on
/// a slow reader is the channel's own pending-write buffer: its high water mark is the connection's outbound
/// limit, and a channel that is not writable when a frame arrives is full. Frames from every producer (fan-out,
/// PostToConnection, replies) take the same path, so their order is the order they were sent in.
final class ChannelConnectionSink: ConnectionSink {
    private let channel: any Channel
    private let writeQueue: EventLoopWriteQueue
    private let writer: NIOLoopBound<EncodedBytesWriter>
    /// Closing or closed: set by the first close, or when the channel goes inactive.
    private let closing = Atomic<Bool>(false)
    /// The close frame went out: RFC 6455 allows no frame after it (event loop only).
    private let closeFrameSent: NIOLoopBoundBox<Bool>
    /// How long a close frame may wait behind unread data before the socket is dropped.
    static let closeGracePeriod = TimeAmount.seconds(2)

    init(channel: any Channel, writeQueue: EventLoopWriteQueue, writer: NIOLoopBound<EncodedBytesWriter>) {
        self.channel = channel
        self.writeQueue = writeQueue
        self.writer = writer
        self.closeFrameSent = NIOLoopBoundBox(false, eventLoop: channel.eventLoop)
    }

    func send(text: ByteBuffer) -> SendResult {
        // The sink's own flag rather than `channel.isActive`: it is read once per subscriber of every fan-out,
        // and NIO's answer costs a copy of the channel's lifecycle state each time.
        guard !closing.load(ordering: .relaxed) else { return .closed }
        guard channel.isWritable else { return .bufferFull }
        writeQueue.enqueue(.init(sink: self, text: text))
        return .queued
    }

    /// Writes a frame already encoded from `text`; on the channel's event loop only.
    func writeEncoded(_ frame: ByteBuffer, text: ByteBuffer, maximumFrameSize: Int) {
        guard !closeFrameSent.value else { return }
        if !writer.value.writeAndFlush(frame) { writeFrames(of: text, maximumFrameSize: maximumFrameSize) }
    }

    /// Writes `text` through the frame encoder, in fragments if it is longer than a frame; on the channel's
    /// event loop only.
    func writeFrames(of text: ByteBuffer, maximumFrameSize: Int) {
        guard !closeFrameSent.value else { return }
        EventLoopWriteQueue.write(text, to: channel, maximumFrameSize: maximumFrameSize)
    }

    func close(code: UInt16, reason: String) {
        guard beginClosing() else { return }
        var data = channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        data.write(webSocketErrorCode: WebSocketErrorCode(codeNumber: Int(code)))
        data.writeString(reason)
        writeQueue.enqueue(.init(sink: self, text: data, close: .initiated))
    }

    /// Who started the closing handshake: the server waits (a while) for the client's answer; an answer to the
    /// client's close ends the connection once it is written.
    enum Closing {
        case initiated
        case answered
    }

    /// Answers a client's close: the same queue, so replies sent before it still go out first; then the socket
    /// closes once the frame is written.
    func answerClose(code: WebSocketErrorCode) {
        var data = channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        writeQueue.enqueue(.init(sink: self, text: data, close: .answered))
    }

    /// Writes the close frame, then nothing more; on the channel's event loop only.
    func writeCloseFrame(_ payload: ByteBuffer, _ closing: Closing) {
        guard !closeFrameSent.value else { return }
        closeFrameSent.value = true
        let channel = self.channel
        let written = channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: payload))
        if closing == .answered { written.whenComplete { _ in channel.close(promise: nil) } }
        // A reader that stopped reading never lets the close frame through: drop the socket after a grace period.
        channel.eventLoop.scheduleTask(in: Self.closeGracePeriod) { channel.close(promise: nil) }
    }

    /// A close has begun (ours or the client's), or the channel is gone.
    var isClosing: Bool { closing.load(ordering: .relaxed) }

    /// Marks the connection as closing; true for the first caller only, who then owns sending the close frame.
    func beginClosing() -> Bool {
        closing.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged
    }

    /// The channel went inactive: nothing more is sent, and there is no close frame left to send.
    func channelClosed() {
        closing.store(true, ordering: .relaxed)
    }
}
