import NIOCore

/// Server-to-client WebSocket text frames, encoded once and written as bytes (see ``EncodedBytesWriter``).
enum TextFrame {
    /// One unfragmented, unmasked text frame (RFC 6455 §5.2) holding `payload`.
    static func encode(_ payload: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
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
