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
        let sink: ChannelConnectionSink
        /// A text message, or a close frame's payload (code and reason) when `close` is set.
        let text: ByteBuffer
        var close: ChannelConnectionSink.Closing?
    }

    let eventLoop: any EventLoop
    private let maximumFrameSize: Int
    private let pending = Mutex<[Write]>([])
    /// The array the last batch was written from, kept for its capacity: batches swap arrays with `pending`
    /// instead of allocating one each time.
    private let spare: NIOLoopBoundBox<[Write]>

    init(eventLoop: any EventLoop, maximumFrameSize: Int) {
        self.eventLoop = eventLoop
        self.maximumFrameSize = maximumFrameSize
        self.spare = NIOLoopBoundBox([], eventLoop: eventLoop)
    }

    func enqueue(_ write: Write) {
        let wasEmpty = pending.withLock { writes in
            writes.append(write)
            return writes.count == 1
        }
        guard wasEmpty else { return }
        eventLoop.execute { self.writeAll() }
    }

    private func writeAll() {
        var batch = spare.value
        spare.value = []
        pending.withLock { swap(&$0, &batch) }
        var shared: (address: UnsafeRawPointer?, count: Int, frame: ByteBuffer)?
        for index in batch.indices {
            let text = batch[index].text
            // A close frame takes its place in the order: what was sent before it goes out before it.
            if let closing = batch[index].close {
                batch[index].sink.writeCloseFrame(text, closing)
                continue
            }
            guard text.readableBytes <= maximumFrameSize else {
                batch[index].sink.writeFrames(of: text, maximumFrameSize: maximumFrameSize)
                continue
            }
            // The same bytes (same storage, same range) as the previous write: the fan-out's one buffer.
            let address = text.withUnsafeReadableBytes { $0.baseAddress }
            if shared == nil || shared!.address != address || shared!.count != text.readableBytes {
                shared = (address, text.readableBytes, TextFrame.encode(text, allocator: Self.allocator))
            }
            batch[index].sink.writeEncoded(shared!.frame, text: text, maximumFrameSize: maximumFrameSize)
        }
        batch.removeAll(keepingCapacity: true)
        spare.value = batch
    }

    private static let allocator = ByteBufferAllocator()

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
