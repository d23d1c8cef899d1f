import NIOCore
import NIOSSL

/// A place in a channel's pipeline, next to the socket, where bytes already encoded for the wire are written:
/// they skip every encoder and handler.
///
/// Used for what is written often and can be encoded once: a pushed event is the same WebSocket frame for every
/// subscriber (server frames are not masked), and a PutEvents answer is a whole HTTP response built in one
/// buffer. Other writes pass through unchanged (NIO's default forwarding; the pipeline requires a handler to take
/// part in one direction). Use only on the channel's event loop.
final class EncodedBytesWriter: ChannelOutboundHandler {
    typealias OutboundIn = ByteBuffer
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Writes and flushes `bytes`; false once the handler has left the pipeline.
    @discardableResult
    func writeAndFlush(_ bytes: ByteBuffer) -> Bool {
        guard let context else { return false }
        context.writeAndFlush(NIOAny(bytes), promise: nil)
        return true
    }

    /// Writes and flushes `bytes`, then reports when they have been written (or failed).
    func writeAndFlush(_ bytes: ByteBuffer, then completion: @escaping @Sendable (Result<Void, any Error>) -> Void) {
        guard let context else { return completion(.failure(ChannelError.ioOnClosedChannel)) }
        context.writeAndFlush(NIOAny(bytes)).whenComplete(completion)
    }
}

@available(*, unavailable)
extension EncodedBytesWriter: Sendable {}

extension ChannelPipeline.SynchronousOperations {
    /// Adds `writer` where encoded bytes leave for the client: first in the pipeline, or right after the TLS
    /// handler on a TLS connection (before it they would reach the socket unencrypted).
    func addEncodedBytesWriter(_ writer: EncodedBytesWriter) throws {
        if let tls = try? context(handlerType: NIOSSLServerHandler.self) {
            try addHandler(writer, position: .after(tls.handler))
        } else {
            try addHandler(writer, position: .first)
        }
    }
}
