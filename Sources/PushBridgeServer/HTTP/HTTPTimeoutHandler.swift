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
    /// When the connection is closed unless its phase moves on first; nil while the server is answering.
    private var deadline: NIODeadline?
    /// The one timer of the connection, and when it fires: at or before `deadline`, never after it.
    private var timer: Scheduled<Void>?
    private var timerFiresAt: NIODeadline?

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
        cancelTimer()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
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

    /// Moves the deadline without touching the timer when the timer fires first anyway: it then looks at the
    /// deadline again. Deadlines of a busy keep-alive connection only move later, so its timer is set about once
    /// per body timeout instead of twice and cancelled three times per request (that was 7 % of the server's CPU
    /// for one-entry PutEvents at saturation).
    private func arm(_ duration: Duration?, context: ChannelHandlerContext) {
        guard let duration else {
            deadline = nil
            return
        }
        let deadline = NIODeadline.now() + .milliseconds(duration.wholeMilliseconds)
        self.deadline = deadline
        if let timerFiresAt, timerFiresAt <= deadline { return }
        schedule(at: deadline, context: context)
    }

    private func schedule(at when: NIODeadline, context: ChannelHandlerContext) {
        timer?.cancel()
        timerFiresAt = when
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: when) {
            loopBound.value.handler.timerFired(context: loopBound.value.context)
        }
    }

    private func timerFired(context: ChannelHandlerContext) {
        timer = nil
        timerFiresAt = nil
        guard let deadline else { return }  // answering: the next phase sets a timer again
        if deadline <= .now() {
            context.close(promise: nil)
        } else {
            schedule(at: deadline, context: context)
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
        timerFiresAt = nil
        deadline = nil
    }
}

/// Sent down the pipeline by a handler that wrote a whole answer itself, below NIO's response encoder.
struct HTTPResponseWritten {}
