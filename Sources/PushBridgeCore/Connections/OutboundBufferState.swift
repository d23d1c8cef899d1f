import DequeModule

/// The bounded outbound buffer of one connection, as a pure state machine (no I/O, no locks).
///
/// Producers (fan-out, PostToConnection) call ``enqueue(_:size:)``; the connection's writer calls ``next()``.
/// When the buffer would exceed its limits the producer is told so instead of waiting.
public struct OutboundBufferState<Frame>: ~Copyable {
    public let maximumFrames: Int
    public let maximumBytes: Int
    private var frames: Deque<(frame: Frame, size: Int)> = []
    public private(set) var bufferedBytes = 0
    private var closeRequest: (code: UInt16, reason: String)?
    private var finished = false

    public init(maximumFrames: Int, maximumBytes: Int) {
        self.maximumFrames = maximumFrames
        self.maximumBytes = maximumBytes
    }

    public var bufferedFrames: Int { frames.count }

    public enum EnqueueAction: Equatable {
        case queued
        case bufferFull
        case closed
    }

    public mutating func enqueue(_ frame: Frame, size: Int) -> EnqueueAction {
        if closeRequest != nil || finished { return .closed }
        if frames.count >= maximumFrames || (bufferedBytes + size > maximumBytes && !frames.isEmpty) {
            return .bufferFull
        }
        frames.append((frame, size))
        bufferedBytes += size
        return .queued
    }

    public enum NextAction {
        case frame(Frame)
        case close(code: UInt16, reason: String)
        case wait
        case finished
    }

    /// What the writer does next. A close request wins over queued frames: a connection is closed because
    /// it is gone or too slow, and either way its backlog is of no use.
    public mutating func next() -> NextAction {
        if finished { return .finished }
        if let closeRequest {
            finished = true
            frames.removeAll()
            bufferedBytes = 0
            return .close(code: closeRequest.code, reason: closeRequest.reason)
        }
        if let first = frames.popFirst() {
            bufferedBytes -= first.size
            return .frame(first.frame)
        }
        return .wait
    }

    /// Asks the writer to close; the first request's code wins. Returns false if already closing.
    public mutating func requestClose(code: UInt16, reason: String) -> Bool {
        guard closeRequest == nil, !finished else { return false }
        closeRequest = (code, reason)
        return true
    }

    /// The connection ended (reader saw a close, or the socket dropped): drop everything.
    public mutating func finish() {
        finished = true
        frames.removeAll()
        bufferedBytes = 0
    }
}
