import NIOCore

/// The send side of one WebSocket connection, as the domain sees it.
///
/// Sending never waits: a frame is queued in the connection's bounded buffer or refused at once, so one slow
/// reader can never hold back a fan-out to everyone else.
public protocol ConnectionSink: AnyObject, Sendable {
    /// Queues a text frame. The buffer is shared, not copied, so one encoded event serves every subscriber.
    func send(text: ByteBuffer) -> SendResult
    /// Closes the connection with a WebSocket close code; frames still queued are dropped.
    func close(code: UInt16, reason: String)
}

public enum SendResult: Sendable, Equatable {
    case queued
    /// The outbound buffer is full.
    case bufferFull
    /// The connection is closing or closed.
    case closed
}

/// WebSocket close codes PushBridge uses, with the reasons it gives.
public enum CloseCode {
    public static let normal: UInt16 = 1000
    public static let goingAway: UInt16 = 1001
    public static let policyViolation: UInt16 = 1008
    public static let messageTooBig: UInt16 = 1009
}
