import NIOCore
import NIOWebSocket
import Synchronization

/// Frames bound for the sockets of one event loop, handed over in batches.
///
/// A fan-out to thousands of subscribers runs off the event loops; scheduling one task per subscriber would
/// cost an allocation and a queue operation (and often a wake-up) each. Here each send appends to this
/// loop's list and only the first send into an empty list schedules the task that writes them all. Consecutive
/// writes of the same message (a fan-out) share one encoded frame, written below the frame encoder.
final class EventLoopWriteQueue: Sendable {
    struct Write {
        let channel: any Channel
        let writer: NIOLoopBound<EncodedFrameWriter>
        let text: ByteBuffer
    }

    private struct Pending {
        var writes: [Write] = []
    }

    let eventLoop: any EventLoop
    private let maximumFrameSize: Int
    private let pending = Mutex(Pending())

    init(eventLoop: any EventLoop, maximumFrameSize: Int) {
        self.eventLoop = eventLoop
        self.maximumFrameSize = maximumFrameSize
    }

    func enqueue(_ write: Write) {
        let wasEmpty = pending.withLock { pending in
            pending.writes.append(write)
            return pending.writes.count == 1
        }
        guard wasEmpty else { return }
        eventLoop.execute { self.writeAll() }
    }

    private func writeAll() {
        let writes = pending.withLock { pending in
            defer { pending.writes.removeAll(keepingCapacity: true) }
            return pending.writes
        }
        var shared: (address: UnsafeRawPointer?, count: Int, frame: ByteBuffer)?
        for write in writes {
            guard write.text.readableBytes <= maximumFrameSize else {
                Self.write(write.text, to: write.channel, maximumFrameSize: maximumFrameSize)
                continue
            }
            // The same bytes (same storage, same range) as the previous write: the fan-out's one buffer.
            let address = write.text.withUnsafeReadableBytes { $0.baseAddress }
            if shared == nil || shared!.address != address || shared!.count != write.text.readableBytes {
                let frame = EncodedFrameWriter.encodeTextFrame(write.text, allocator: write.channel.allocator)
                shared = (address, write.text.readableBytes, frame)
            }
            if !write.writer.value.writeAndFlush(shared!.frame) {
                Self.write(write.text, to: write.channel, maximumFrameSize: maximumFrameSize)
            }
        }
    }

    /// One text message as one frame, or as fragments of at most `maximumFrameSize` bytes, as API Gateway
    /// sends them. Must run on the channel's event loop.
    static func write(_ text: ByteBuffer, to channel: any Channel, maximumFrameSize: Int) {
        guard text.readableBytes > maximumFrameSize else {
            channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: text), promise: nil)
            return
        }
        for frame in frames(text, maximumFrameSize: maximumFrameSize) { channel.write(frame, promise: nil) }
        channel.flush()
    }

    static func frames(_ buffer: ByteBuffer, maximumFrameSize: Int) -> [WebSocketFrame] {
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

/// One ``EventLoopWriteQueue`` per event loop, found once per connection.
final class EventLoopWriteQueues: Sendable {
    private let maximumFrameSize: Int
    private let queues = Mutex<[ObjectIdentifier: EventLoopWriteQueue]>([:])

    init(maximumFrameSize: Int) {
        self.maximumFrameSize = maximumFrameSize
    }

    func queue(for eventLoop: any EventLoop) -> EventLoopWriteQueue {
        queues.withLock { queues in
            if let queue = queues[ObjectIdentifier(eventLoop)] { return queue }
            let queue = EventLoopWriteQueue(eventLoop: eventLoop, maximumFrameSize: maximumFrameSize)
            queues[ObjectIdentifier(eventLoop)] = queue
            return queue
        }
    }
}
