import NIOCore
import NIOHTTP1
import PushBridgeCore

/// Closes an HTTP connection whose client is too slow to send a request head or body, or that stays idle
/// between requests for too long (``HTTPRequestDeadlines``). Sits right after NIO's request decoder, so it sees
/// requests as they are parsed and answers as they are written; PutEvents answers written below the encoder
/// announce themselves with ``HTTPResponseWritten``. Removed when a connection becomes a WebSocket.
final class HTTPTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart
    static let name = "pushbridge.http-timeouts"

    private var deadlines: HTTPRequestDeadlines
    private var timer: Scheduled<Void>?

    init(limits: HTTPRequestDeadlines.Limits) {
        self.deadlines = HTTPRequestDeadlines(limits: limits)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(deadlines.deadline, context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(deadlines.deadline, context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: arm(deadlines.headReceived(), context: context)
        case .end: arm(deadlines.requestEnded(), context: context)
        case .body: break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { arm(deadlines.responseEnded(), context: context) }
        context.write(data, promise: promise)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is HTTPResponseWritten else { return context.triggerUserOutboundEvent(event, promise: promise) }
        arm(deadlines.responseEnded(), context: context)
        promise?.succeed()
    }

    private func arm(_ deadline: Duration?, context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        guard let deadline else { return }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: .milliseconds(deadline.wholeMilliseconds)) {
            loopBound.value.close(promise: nil)
        }
    }
}

/// Sent down the pipeline by a handler that wrote a whole answer itself, below NIO's response encoder.
struct HTTPResponseWritten {}
