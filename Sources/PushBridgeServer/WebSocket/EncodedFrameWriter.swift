import NIOCore

/// A place in a WebSocket channel's pipeline, next to the socket, where frames that are already encoded are
/// written: they skip the frame encoder and every other handler.
///
/// A pushed event is the same frame for every subscriber (server frames are not masked), so it is encoded
/// once per event loop and the same bytes are written to each socket. Other writes pass through unchanged
/// (NIO's default forwarding; the pipeline requires a handler to take part in one direction). Use only on
/// the channel's event loop.
final class EncodedFrameWriter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Writes and flushes `frame`; false once the handler has left the pipeline.
    func writeAndFlush(_ frame: ByteBuffer) -> Bool {
        guard let context else { return false }
        context.writeAndFlush(NIOAny(frame), promise: nil)
        return true
    }

    /// One unfragmented, unmasked text frame (RFC 6455 §5.2) holding `payload`.
    static func encodeTextFrame(_ payload: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        var payload = payload
        let length = payload.readableBytes
        var frame = allocator.buffer(capacity: length + 10)
        frame.writeInteger(UInt8(0x81))  // FIN, text
        if length < 126 {
            frame.writeInteger(UInt8(length))
        } else if length <= Int(UInt16.max) {
            frame.writeInteger(UInt8(126))
            frame.writeInteger(UInt16(length))
        } else {
            frame.writeInteger(UInt8(127))
            frame.writeInteger(UInt64(length))
        }
        frame.writeBuffer(&payload)
        return frame
    }
}

@available(*, unavailable)
extension EncodedFrameWriter: Sendable {}
