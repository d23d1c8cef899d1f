import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOSSL
import NIOWebSocket

/// The server's connection setup: HTTP/1.1 served by the Hummingbird router (PutEvents first offered to
/// ``PutEventsChannelHandler``), and WebSocket upgrades on the gateway's paths handed to ``WebSocketGateway``.
///
/// Written instead of HummingbirdWebSocket's upgrade channel because that one keeps an async task and an
/// async channel alive per socket for its whole life; here an upgraded socket is served by a channel
/// handler and its connection task ends at the upgrade, which is what keeps an idle socket small.
struct GatewayChildChannel: ServerChildChannel, HTTPChannelHandler {
    enum UpgradeResult: Sendable {
        case webSocket
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, Refusal)
        /// Turned away by ``ConnectionAdmission``; ``RefusingResponder`` answers on the channel.
        case notAdmitted
    }

    struct Value: ServerChildChannelValue {
        let upgradeResult: EventLoopFuture<UpgradeResult>
        let channel: any Channel
    }

    let responder: HTTPChannelHandler.Responder
    let gateway: WebSocketGateway
    let maximumFrameSize: Int
    let eventsEndpoint: EventsAPIEndpoint
    let dates: HTTPDateCache
    let serverName: String?
    let admission: ConnectionAdmission
    let timeouts: HTTPRequestDeadlines.Limits
    /// Set when the port serves TLS (`--tls-cert`); read at each accept, so a reload reaches new connections only.
    var tls: TLSContextSource? = nil

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            // TLS: first in the pipeline, so everything after it (admission refusals, the timeouts, the 400 for a
            // malformed request, PutEvents, WebSocket frames) reads and writes plaintext. The header timeout runs
            // from the accept, so it also closes a handshake that never finishes. Not HummingbirdTLS's TLSChannel:
            // its context is fixed when the server is built, and SIGHUP must reach new connections.
            if let tls {
                try channel.pipeline.syncOperations.addHandler(PlainHTTPOnTLSPortHandler())
                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.context))
            }
            let admitted = admission.admit(channel)
            guard admitted == .admitted else {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                try channel.pipeline.syncOperations.addHandler(RefusingResponder(admitted))
                return Value(upgradeResult: channel.eventLoop.makeSucceededFuture(.notAdmitted), channel: channel)
            }
            // What the upgrader decided, for the not-upgraded path to answer refused upgrades properly.
            let decision = NIOLoopBoundBox<WebSocketGateway.UpgradeDecision?>(nil, eventLoop: channel.eventLoop)
            let gateway = self.gateway
            let eventsEndpoint = self.eventsEndpoint
            let dates = self.dates
            let serverName = self.serverName
            let secure = self.tls != nil
            let upgrader = NIOTypedWebSocketServerUpgrader<UpgradeResult>(
                maxFrameSize: maximumFrameSize,
                // Frame errors are answered by WebSocketConnectionHandler, through the connection's one close.
                enableAutomaticErrorHandling: false,
                shouldUpgrade: { channel, head in
                    // Recorded on the event loop, where the upgrade and the refusal read it.
                    let decided: @Sendable (WebSocketGateway.UpgradeDecision) -> HTTPHeaders? = { decided in
                        decision.value = decided
                        guard case .upgrade(let headers, _, _) = decided else { return nil }
                        return headers
                    }
                    let first = gateway.decide(head)
                    // Verifying may wait for a JWKS fetch, asking the authorizer for its webhook: the upgrade completes
                    // when it is done, off the event loop.
                    let verified: EventLoopFuture<WebSocketGateway.UpgradeDecision>
                    switch first {
                    case .authenticate(let found, let headers):
                        verified = channel.eventLoop.makeFutureWithTask { await gateway.authenticate(found, headers: headers) }
                    case .authorize(let identity, let headers):
                        let sourceIp = channel.remoteAddress?.ipAddress ?? ""
                        verified = channel.eventLoop.makeFutureWithTask {
                            await gateway.authorize(identity: identity, head: head, sourceIp: sourceIp, headers: headers)
                        }
                    default:
                        return channel.eventLoop.makeSucceededFuture(decided(first))
                    }
                    return verified.map(decided)
                },
                upgradePipelineHandler: { channel, head in
                    channel.eventLoop.makeCompletedFuture {
                        channel.pipeline.syncOperations.removeHandler(name: MalformedFirstRequestHandler.name, promise: nil)
                        channel.pipeline.syncOperations.removeHandler(name: UpgradeRequestFilter.name, promise: nil)
                        channel.pipeline.syncOperations.removeHandler(name: HTTPTimeoutHandler.name, promise: nil)
                        // Only an `.upgrade` decision returns headers, so nothing else reaches here; were it to, the
                        // socket is closed rather than left without a handler.
                        guard case .upgrade(_, let identity, let connectionId) = decision.value else {
                            channel.close(promise: nil)
                            return .webSocket
                        }
                        try gateway.connect(channel, head: head, identity: identity, connectionId: connectionId)
                        return .webSocket
                    }
                }
            )
            var configuration = NIOUpgradableHTTPServerPipelineConfiguration<UpgradeResult>(
                upgradeConfiguration: .init(
                    upgraders: [upgrader],
                    notUpgradingCompletionHandler: { channel in
                        channel.eventLoop.makeCompletedFuture {
                            channel.pipeline.syncOperations.removeHandler(name: MalformedFirstRequestHandler.name, promise: nil)
                            channel.pipeline.syncOperations.removeHandler(name: UpgradeRequestFilter.name, promise: nil)
                            // A refused upgrade is answered and closed by `refuseUpgrade`: its request (and any
                            // after it) must not be served, so PutEvents are offered only to plain HTTP.
                            if decision.value == nil {
                                let writer = EncodedBytesWriter()
                                try channel.pipeline.syncOperations.addEncodedBytesWriter(writer)
                                let putEvents = PutEventsChannelHandler(
                                    endpoint: eventsEndpoint,
                                    writer: writer,
                                    dates: dates,
                                    serverName: serverName
                                )
                                try channel.pipeline.syncOperations.addHandler(putEvents)
                            }
                            try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: secure))
                            try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(logger: logger))
                            let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                                wrappingChannelSynchronously: channel,
                                configuration: .init(isOutboundHalfClosureEnabled: true)
                            )
                            guard let decided = decision.value else { return .http(asyncChannel) }
                            return .refused(asyncChannel, Refusal(decided))
                        }
                    }
                )
            )
            configuration.enablePipelining = false  // HTTP is pipelined by NIOAsyncChannel
            configuration.enableErrorHandling = false  // Hummingbird answers errors
            configuration.enableResponseHeaderValidation = false  // HTTPTypes already validates
            let result = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: configuration)
            try channel.pipeline.syncOperations.addHandler(MalformedFirstRequestHandler(), name: MalformedFirstRequestHandler.name)
            let decoder = try channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            // Before the upgrade handler: the filter answers the upgrade requests it would drop (the timeouts, added
            // after it at the same place, come first).
            try channel.pipeline.syncOperations.addHandler(UpgradeRequestFilter(), name: UpgradeRequestFilter.name, position: .after(decoder))
            try channel.pipeline.syncOperations.addHandler(
                HTTPTimeoutHandler(limits: timeouts),
                name: HTTPTimeoutHandler.name,
                position: .after(decoder)
            )
            return Value(upgradeResult: result, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgradeResult.get() {
            case .http(let asyncChannel):
                await handleHTTP(asyncChannel: asyncChannel, logger: logger)
            case .refused(let asyncChannel, let refusal):
                await refuseUpgrade(asyncChannel, refusal, logger: logger)
            case .webSocket, .notAdmitted:
                // Served by a channel handler from here on; this task is no longer needed.
                break
            }
        } catch {
            logger.trace("Connection setup ended", metadata: ["pb.error": "\(error)"])
        }
    }

    /// A WebSocket handshake that cannot be served, answered before any upgrade (see ``Refusal``).
    private func refuseUpgrade(
        _ asyncChannel: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>,
        _ refusal: Refusal,
        logger: Logger
    ) async {
        do {
            try await asyncChannel.executeThenClose { _, outbound in
                let body = ByteBuffer(string: refusal.body)
                var headers: HTTPFields = [.connection: "close", .contentLength: "\(body.readableBytes)"]
                if refusal == .draining { headers[.retryAfter] = "5" }
                if !refusal.body.isEmpty { headers[.contentType] = "application/json" }
                let head = HTTPResponse(status: refusal.status, headerFields: headers)
                try await outbound.write(contentsOf: [.head(head), .body(body), .end(nil)])
            }
        } catch {
            logger.trace("Refusing an upgrade failed", metadata: ["pb.error": "\(error)"])
        }
    }
}

/// Answers a first request NIO cannot parse (a malformed request line or header) with 400 and closes, as the
/// router does for later requests. Until the upgrader has decided there is no router to do it, and the client
/// would wait for an answer that never comes. Removed as soon as the decision is made.
private final class MalformedFirstRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    static let name = "pushbridge.malformed-first-request"

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError else { return context.fireErrorCaught(error) }
        let head = HTTPResponseHead(version: .http1_1, status: .badRequest, headers: ["Content-Length": "0", "Connection": "close"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in loopBound.value.close(promise: nil) }
    }
}
