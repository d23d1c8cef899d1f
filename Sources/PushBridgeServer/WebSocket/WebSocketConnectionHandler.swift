import Logging
import NIOCore
import NIOWebSocket
import PushBridgeAuth
import PushBridgeCore
import PushBridgeJSON

/// One client socket after the upgrade: reads frames on the channel's event loop and answers them there.
///
/// A channel handler rather than a task per connection: an idle socket then costs only its channel, this
/// handler and its registry entry, not a suspended async call chain and its stream buffers. Nothing here
/// blocks: subscribing is a short lock in the registry, replies go through the connection's sink. A subscribe the
/// `url:` policy's webhook decides is answered when the webhook answers; messages that arrive meanwhile wait for
/// it in order (``PendingMessages``).
///
/// WebSocket rules kept here (RFC 6455): fragments are joined up to the message limit (beyond it: 1009),
/// pings are answered with pongs (held to the connection's outbound bound, like every other frame), a
/// client's close is echoed and then the socket is closed. Unmasked frames, RSV bits (no extension is ever
/// negotiated), reserved opcodes, fragmented control frames and invalid close codes close with 1002; a text
/// message or close reason that is not UTF-8 closes with 1007. Frame-level errors (oversized or malformed
/// frames) are answered by NIO's protocol error handler.
///
/// Data frames (continuations too) and pings count against the connection's ``FrameRateLimiter``; pongs and
/// close frames do not, so a closing handshake is never throttled. A throttled text or binary frame is answered
/// as API Gateway answers a throttled message and its whole message is dropped; a throttled ping goes unanswered.
final class WebSocketConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let connectionId: String
    private let gateway: WebSocketGateway
    private let sink: ChannelConnectionSink
    private let maximumMessageSize: Int
    /// What this connection may subscribe to, from its token's claims (``SubscribePolicy``).
    private let subscribeGrant: SubscribeGrant
    /// Messages waiting for a subscribe's webhook answer.
    private var pending = PendingMessages()
    /// The message being assembled from fragments, if any.
    private var fragments: ByteBuffer?
    /// Whether that message is text (checked for UTF-8 when whole) or binary.
    private var fragmentsAreText = false
    /// A throttled message's remaining fragments are read and dropped.
    private var discardingMessage = false
    private var frameRateLimiter: FrameRateLimiter
    private var lastTouched = NIODeadline.now()
    /// Activity is recorded at most once a second, which keeps the registry lock off the read path.
    private static let touchInterval = TimeAmount.seconds(1)

    init(
        connectionId: String,
        gateway: WebSocketGateway,
        sink: ChannelConnectionSink,
        maximumMessageSize: Int,
        subscribeGrant: SubscribeGrant,
        frameRateLimiter: FrameRateLimiter = .off
    ) {
        self.subscribeGrant = subscribeGrant
        self.frameRateLimiter = frameRateLimiter
        self.connectionId = connectionId
        self.gateway = gateway
        self.sink = sink
        self.maximumMessageSize = maximumMessageSize
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let now = NIODeadline.now()
        touch(now)
        if let violation = Self.protocolViolation(frame) { return fail(context, code: .protocolError, violation) }
        switch frame.opcode {
        case .text, .binary:
            guard fragments == nil, !discardingMessage else {
                return fail(context, code: .protocolError, "a new message began inside a fragmented one")
            }
            guard admitFrame(context, now: now, answer: true) else {
                discardingMessage = !frame.fin
                return
            }
            let payload = frame.unmaskedData
            if frame.fin {
                deliver(payload, isText: frame.opcode == .text, context)
            } else {
                fragments = payload
                fragmentsAreText = frame.opcode == .text
                checkMessageSize(context)
            }
        case .continuation:
            if discardingMessage {
                if frame.fin { discardingMessage = false }
                _ = admitFrame(context, now: now, answer: false)
                return
            }
            guard var message = fragments else { return fail(context, code: .protocolError, "continuation frame without a message") }
            guard admitFrame(context, now: now, answer: true) else {
                fragments = nil
                discardingMessage = !frame.fin
                return
            }
            var payload = frame.unmaskedData
            fragments = nil  // keeps the buffer uniquely referenced while appending
            message.writeBuffer(&payload)
            fragments = message
            guard checkMessageSize(context) else { return }
            if frame.fin {
                fragments = nil
                deliver(message, isText: fragmentsAreText, context)
            }
        case .ping:
            // Once a close is under way nothing may follow the close frame, a pong included.
            guard !sink.isClosing, admitFrame(context, now: now, answer: false) else { return }
            // A client that pings and never reads would otherwise grow our pending writes without bound.
            guard context.channel.isWritable else {
                if !sink.isClosing { gateway.runtime.fanOutStatistics.slowConsumerClosed() }
                return fail(context, code: .policyViolation, "slow consumer: outbound buffer full")
            }
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .pong:
            break
        case .connectionClose:
            answerClose(context, frame: frame)
        default:
            fail(context, code: .protocolError, "unknown opcode")
        }
    }

    /// The server allows half-closed sockets for HTTP; a WebSocket client that closed its side is gone.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        gateway.disconnected(connectionId, sink: sink)
        context.fireChannelInactive()
    }

    /// A frame NIO's decoder refused (too long, a fragmented or long control frame) closes like any other protocol
    /// error, through the sink, so the connection sends one close frame whoever noticed first.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        gateway.logger.debug("WebSocket error", metadata: ["pb.connection.id": "\(connectionId)", "pb.error": "\(error)"])
        // Bytes that keep arriving after the decoder failed are reported too: the close under way answers them.
        if sink.isClosing, error is ByteToMessageDecoderError { return }
        guard let frameError = error as? NIOWebSocketError else { return context.close(promise: nil) }
        fragments = nil
        switch frameError {
        case .invalidFrameLength: fail(context, code: .messageTooLarge, "Frame too big: over the maximum frame size")
        case .fragmentedControlFrame: fail(context, code: .protocolError, "fragmented control frame")
        case .multiByteControlFrameLength: fail(context, code: .protocolError, "control frame longer than 125 bytes")
        @unknown default: fail(context, code: .protocolError, "malformed frame")
        }
    }

    /// What makes `frame` break RFC 6455 §5 whatever its opcode, or nil.
    static func protocolViolation(_ frame: WebSocketFrame) -> String? {
        if frame.maskKey == nil { return "client frames must be masked" }
        if frame.rsv1 || frame.rsv2 || frame.rsv3 { return "RSV bits set without a negotiated extension" }
        // Opcodes 0x8 and above are control frames, which may not be fragmented.
        if frame.opcode.isControlOpcode, !frame.fin { return "fragmented control frame" }
        return nil
    }

    private func deliver(_ payload: ByteBuffer, isText: Bool, _ context: ChannelHandlerContext) {
        guard !isText || Self.isValidUTF8(payload) else {
            return fail(context, code: .dataInconsistentWithMessage, "text message is not valid UTF-8")
        }
        let text = String(buffer: payload)
        switch pending.arrive(text) {
        case .handleNow: handle(text, context)
        case .queued(let pauseReading):
            if pauseReading { try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: false) }
        }
    }

    private func handle(_ text: String, _ context: ChannelHandlerContext) {
        switch gateway.respond(to: ClientMessage(text: text), connectionId: connectionId, grant: subscribeGrant) {
        case .answered(let reply):
            if let reply { _ = sink.send(text: ByteBuffer(string: reply.jsonText)) }
        case .askWebhook(let check):
            pending.startWaiting()
            let gateway = self.gateway
            let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            // Asked off the event loop; the answer comes back to it.
            context.eventLoop.makeFutureWithTask { await gateway.subscribeAfterAsking(check) }.whenComplete { result in
                let (handler, context) = loopBound.value
                handler.webhookAnswered((try? result.get()) ?? nil, context)
            }
        }
    }

    /// A subscribe's webhook check ended: its reply goes out, then the messages that waited are handled in order.
    private func webhookAnswered(_ reply: JSONValue?, _ context: ChannelHandlerContext) {
        pending.finishWaiting()
        guard context.channel.isActive else { return }
        if let reply { _ = sink.send(text: ByteBuffer(string: reply.jsonText)) }
        while let text = pending.next() { handle(text, context) }
        if pending.shouldResumeReading() { try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: true) }
    }

    /// Returns false (and closes with 1009) when the message being assembled is over the limit.
    @discardableResult
    private func checkMessageSize(_ context: ChannelHandlerContext) -> Bool {
        guard let size = fragments?.readableBytes, size > maximumMessageSize else { return true }
        fragments = nil
        fail(context, code: .messageTooLarge, "Message too big: the maximum is \(maximumMessageSize) bytes")
        return false
    }

    static func isValidUTF8(_ buffer: ByteBuffer) -> Bool {
        buffer.withUnsafeReadableBytes { String(validating: $0, as: UTF8.self) != nil }
    }

    /// Whether a client may send `code` in a close frame (RFC 6455 §7.4): 1000–1003, 1007–1014, 3000–4999.
    static func isSendableCloseCode(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }

    /// The client started the closing handshake (or answered ours): echo a valid code once, then close. A
    /// close frame that breaks the rules is answered with 1002 (or 1007 for a reason that is not UTF-8).
    private func answerClose(_ context: ChannelHandlerContext, frame: WebSocketFrame) {
        var data = frame.unmaskedData
        var code: WebSocketErrorCode?
        if data.readableBytes == 1 { return fail(context, code: .protocolError, "close frame with a one-byte payload") }
        if let number = data.readInteger(as: UInt16.self) {
            guard Self.isSendableCloseCode(number) else { return fail(context, code: .protocolError, "invalid close code \(number)") }
            guard Self.isValidUTF8(data) else { return fail(context, code: .dataInconsistentWithMessage, "close reason is not valid UTF-8") }
            code = WebSocketErrorCode(codeNumber: Int(number))
        }
        if sink.beginClosing() {
            sink.answerClose(code: code ?? .normalClosure)
        } else {
            context.close(promise: nil)
        }
    }

    private func fail(_ context: ChannelHandlerContext, code: WebSocketErrorCode, _ reason: String) {
        sink.close(code: UInt16(webSocketErrorCode: code), reason: reason)
    }

    /// Counts a frame against the connection's rate. False when it must not be processed: throttled (and answered
    /// with API Gateway's "Too Many Requests" frame if `answer`), or far over the limit, which closes with 1008.
    private func admitFrame(_ context: ChannelHandlerContext, now: NIODeadline, answer: Bool) -> Bool {
        switch frameRateLimiter.admit(now: now.uptimeNanoseconds) {
        case .accept:
            return true
        case .throttle:
            gateway.metrics.rateLimited(.frames)
            if answer { _ = sink.send(text: ByteBuffer(string: gateway.throttledReply(connectionId: connectionId).jsonText)) }
            return false
        case .close:
            gateway.metrics.rateLimited(.frames)
            fail(context, code: .policyViolation, "Too many frames: far over the rate limit")
            return false
        }
    }

    private func touch(_ now: NIODeadline) {
        guard now - lastTouched >= Self.touchInterval else { return }
        lastTouched = now
        gateway.runtime.registry.touch(connectionId, at: .now())
    }
}

@available(*, unavailable)
extension WebSocketConnectionHandler: Sendable {}
