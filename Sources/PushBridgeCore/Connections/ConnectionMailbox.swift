import NIOCore
import Synchronization

/// A ``ConnectionSink`` backed by ``OutboundBufferState``: producers enqueue without waiting, and the
/// connection's single writer task awaits ``next()``.
public final class ConnectionMailbox: ConnectionSink {
    private struct State: ~Copyable {
        var buffer: OutboundBufferState<ByteBuffer>
        var waiter: CheckedContinuation<OutboundBufferState<ByteBuffer>.NextAction, Never>?
    }

    private let state: Mutex<State>
    private let onClose: @Sendable (UInt16) -> Void

    /// - Parameters:
    ///   - onClose: called once when a close is requested, so the transport can make sure the socket goes
    ///     away even if its writer is stuck on a peer that stopped reading.
    public init(maximumFrames: Int, maximumBytes: Int, onClose: @escaping @Sendable (UInt16) -> Void = { _ in }) {
        self.state = Mutex(State(buffer: OutboundBufferState(maximumFrames: maximumFrames, maximumBytes: maximumBytes), waiter: nil))
        self.onClose = onClose
    }

    public func send(text: ByteBuffer) -> SendResult {
        let (result, waiter): (SendResult, CheckedContinuation<OutboundBufferState<ByteBuffer>.NextAction, Never>?) = state.withLock { state in
            switch state.buffer.enqueue(text, size: text.readableBytes) {
            case .queued:
                guard let waiter = state.waiter else { return (.queued, nil) }
                state.waiter = nil
                return (.queued, waiter)
            case .bufferFull: return (.bufferFull, nil)
            case .closed: return (.closed, nil)
            }
        }
        if let waiter {
            // The writer was idle: hand it the frame we just queued.
            let action = state.withLock { $0.buffer.next() }
            waiter.resume(returning: action)
        }
        return result
    }

    public func close(code: UInt16, reason: String) {
        let (requested, waiter) = state.withLock { state in
            let requested = state.buffer.requestClose(code: code, reason: reason)
            let waiter = requested ? state.waiter : nil
            if requested { state.waiter = nil }
            return (requested, waiter)
        }
        guard requested else { return }
        if let waiter {
            let action = state.withLock { $0.buffer.next() }
            waiter.resume(returning: action)
        }
        onClose(code)
    }

    /// The connection is over: drop what is queued and wake the writer so it ends.
    public func finish() {
        let waiter = state.withLock { state in
            state.buffer.finish()
            let waiter = state.waiter
            state.waiter = nil
            return waiter
        }
        waiter?.resume(returning: .finished)
    }

    public var bufferedFrames: Int { state.withLock { $0.buffer.bufferedFrames } }

    /// The writer's next action; waits while the buffer is empty. Cancellation finishes the mailbox.
    public func next() async -> OutboundBufferState<ByteBuffer>.NextAction {
        let immediate: OutboundBufferState<ByteBuffer>.NextAction? = state.withLock { state in
            switch state.buffer.next() {
            case .wait: return nil
            case let action: return action
            }
        }
        if let immediate { return immediate }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let action: OutboundBufferState<ByteBuffer>.NextAction? = state.withLock { state in
                    if Task.isCancelled {
                        state.buffer.finish()
                        return .finished
                    }
                    switch state.buffer.next() {
                    case .wait:
                        state.waiter = continuation
                        return nil
                    case let action: return action
                    }
                }
                if let action { continuation.resume(returning: action) }
            }
        } onCancel: {
            self.finish()
        }
    }
}
