import NIOCore
import NIOHTTP1

/// Serves a connection that ``ConnectionAdmission`` turned away: its first request (an upgrade included) gets
/// 503 or 429 with `Retry-After`, then the connection closes. A client that sends nothing is dropped soon.
final class RefusingResponder: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let status: HTTPResponseStatus
    private let message: String
    private var answered = false
    static let silentClientLimit = TimeAmount.seconds(5)
    /// API Gateway's body of a throttled request.
    static let throttledMessage = "Too Many Requests"

    init(_ decision: ConnectionAdmission.Decision) {
        if decision == .rateLimited {
            status = .tooManyRequests
            message = "Too many new connections from this address; retry later."
        } else {
            status = .serviceUnavailable
            message = "The server is at its connection limit; retry later."
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: Self.silentClientLimit) { loopBound.value.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data), !answered else { return }
        answered = true
        var body = context.channel.allocator.buffer(capacity: 96)
        // A WebSocket handshake is answered as API Gateway answers a throttled $connect.
        let isUpgrade = head.headers[canonicalForm: "Upgrade"].contains { $0.lowercased() == "websocket" }
        body.writeString(#"{"message":"\#(status == .tooManyRequests && isUpgrade ? Self.throttledMessage : message)"}"#)
        let headers: HTTPHeaders = [
            "Content-Type": "application/json", "Content-Length": "\(body.readableBytes)", "Connection": "close", "Retry-After": "1",
        ]
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in loopBound.value.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
