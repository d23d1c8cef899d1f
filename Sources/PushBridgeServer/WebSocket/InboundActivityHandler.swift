import NIOCore

/// Sees every read on a WebSocket's channel, before frame decoding, so that pings and pongs (which the
/// WebSocket layer answers without passing them on) keep an idle-but-alive connection alive.
final class InboundActivityHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let onActivity: @Sendable () -> Void
    private var lastReported = NIODeadline.distantPast
    /// Reporting at most once a second keeps the registry lock off the read path.
    private let interval = TimeAmount.seconds(1)

    init(onActivity: @escaping @Sendable () -> Void) {
        self.onActivity = onActivity
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let now = NIODeadline.now()
        if now - lastReported >= interval {
            lastReported = now
            onActivity()
        }
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension InboundActivityHandler: Sendable {}
