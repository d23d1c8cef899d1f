import NIOCore

/// Answers a plain-HTTP request sent to the TLS port with a 400 that says so, where the TLS handler alone would
/// drop the connection and leave the client with "empty reply from server". A TLS connection begins with a
/// handshake record (byte 0x16), an HTTP request with the method's capital letter. Sits before the TLS handler
/// and leaves the pipeline once the first byte has shown which it is.
final class PlainHTTPOnTLSPortHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let body = "This port serves TLS only: use https:// (or wss:// for WebSockets).\n"
    private var answered = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        let bytes = unwrapInboundIn(data)
        guard let first = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) else { return }
        guard (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first) else {
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        answered = true
        let response = """
            HTTP/1.1 400 Bad Request\r
            Content-Type: text/plain; charset=utf-8\r
            Content-Length: \(Self.body.utf8.count)\r
            Connection: close\r
            \r
            \(Self.body)
            """
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: response))).whenComplete { _ in loopBound.value.close(promise: nil) }
    }
}
