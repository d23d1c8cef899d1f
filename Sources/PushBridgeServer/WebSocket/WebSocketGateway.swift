import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket
import PushBridgeAuth
import PushBridgeCore
import PushBridgeJSON

/// API Gateway's WebSocket side: $connect, route selection on `action`, $disconnect.
///
/// ``GatewayChildChannel`` asks it whether a request may upgrade and hands it each upgraded channel; from
/// then on the socket is served by a ``WebSocketConnectionHandler`` on the channel's event loop.
struct WebSocketGateway: Sendable {
    let runtime: PushBridgeRuntime
    let metrics: PushBridgeMetrics
    let readiness: Readiness
    let logger: Logger
    let writeQueues: EventLoopWriteQueues

    enum UpgradeDecision: Equatable {
        /// Upgrade, answering with these headers; the identity its token proved, when authentication is on.
        case upgrade(HTTPHeaders, identity: AuthenticatedIdentity?)
        /// A token was found; verifying it decides between upgrade and 403.
        case authenticate(TokenSource.Found, HTTPHeaders)
        /// Not a socket path: the request is answered as a failed upgrade.
        case notAWebSocketPath
        /// Shutting down: new sockets are refused with 503.
        case draining
        /// Authentication is on and the request carries no token: 401, as API Gateway answers a missing identity source.
        case unauthorized
        /// A token that does not verify, or a browser origin not allowed: 403.
        case forbidden(reason: String)
    }

    var rules: UpgradeRules {
        UpgradeRules(
            stage: runtime.configuration.stage,
            requiresToken: runtime.authenticator != nil,
            allowedOrigins: runtime.configuration.allowedOrigins
        )
    }

    /// Sockets connect at `/` and at `/{stage}`; the query string carries no route, only perhaps a token.
    func decide(_ head: HTTPRequestHead) -> UpgradeDecision {
        rules.decide(head, draining: readiness.isDraining)
    }

    /// Verifies the token ``decide(_:)`` found. The token is never logged, only why it was refused.
    func authenticate(_ found: TokenSource.Found, headers: HTTPHeaders) async -> UpgradeDecision {
        guard let authenticator = runtime.authenticator else { return .upgrade(headers, identity: nil) }
        switch await authenticator.authenticate(found.token) {
        case .success(let identity):
            return .upgrade(headers, identity: identity)
        case .failure(let rejection):
            logger.debug("Connect refused", metadata: ["pb.reason": "\(rejection)", "pb.token.source": "\(found.source)"])
            return .forbidden(reason: rejection.description)
        }
    }

    /// The request's path without its query string.
    static func path(of head: HTTPRequestHead) -> String {
        String(head.uri.prefix { $0 != "?" })
    }

    /// Selects `websocket` when the client offers it (Postman and the sample's clients do); a client that
    /// offers other subprotocols or none connects without one.
    static func handshakeHeaders(offered: [String]) -> HTTPHeaders {
        guard let chosen = offered.first(where: { $0.lowercased() == "websocket" }) else { return [:] }
        return ["Sec-WebSocket-Protocol": chosen]
    }

    /// $connect: records the connection and installs its handler. Runs on the channel's event loop.
    func connect(_ channel: any Channel, head: HTTPRequestHead, identity: AuthenticatedIdentity?) throws {
        let configuration = runtime.configuration
        let connectionId = runtime.connectionIds.next()
        let path = Self.path(of: head)
        let record = ConnectionRecord(
            connectionId: connectionId,
            sourceIp: channel.remoteAddress?.ipAddress ?? "",
            userAgent: head.headers.first(name: "User-Agent") ?? "",
            connectedAt: .now(),
            stage: path == "/" ? nil : String(path.dropFirst()),
            userId: identity?.userId,
            claims: identity?.claims
        )
        // The slow-consumer bound is the channel's own pending-write buffer (see ChannelConnectionSink).
        let outboundLimit = min(configuration.outboundBufferBytes, configuration.outboundBufferFrames * configuration.maximumFrameSize)
        try channel.syncOptions?.setOption(
            ChannelOptions.writeBufferWaterMark,
            value: .init(low: max(1, outboundLimit / 2), high: max(2, outboundLimit))
        )
        let writer = EncodedBytesWriter()
        try channel.pipeline.syncOperations.addEncodedBytesWriter(writer)
        let sink = ChannelConnectionSink(
            channel: channel,
            writeQueue: writeQueues.queue(for: channel.eventLoop),
            writer: NIOLoopBound(writer, eventLoop: channel.eventLoop)
        )
        try channel.pipeline.syncOperations.addHandler(
            WebSocketConnectionHandler(
                connectionId: connectionId,
                gateway: self,
                sink: sink,
                maximumMessageSize: configuration.maximumMessageSize,
                subscribeGrant: runtime.subscribePolicy.grant(for: identity?.claims)
            )
        )
        runtime.registry.register(record, sink: sink)
        metrics.connectionOpened()
        logger.debug(
            "Connected",
            metadata: [
                "pb.connection.id": "\(connectionId)", "pb.source.ip": "\(record.sourceIp)", "pb.path": "\(path)",
                "pb.user.id": "\(record.userId ?? "-")",
            ]
        )
        // A socket that closed during the upgrade went inactive before the handler that reports it was added.
        if !channel.isActive { disconnected(connectionId, sink: sink) }
    }

    /// $disconnect, whatever closed the socket: the sink takes no more frames, and the connection and its
    /// subscriptions go at once.
    func disconnected(_ connectionId: String, sink: ChannelConnectionSink) {
        sink.channelClosed()
        guard runtime.registry.remove(connectionId) != nil else { return }
        metrics.connectionClosed(draining: readiness.isDraining)
        logger.debug("Disconnected", metadata: ["pb.connection.id": "\(connectionId)"])
    }

    /// Runs the selected route; returns the frame to send back, if any (routes have no response on success,
    /// as the sample defines no route responses).
    func respond(to message: ClientMessage, connectionId: String, grant: SubscribeGrant) -> JSONValue? {
        let requestId = runtime.requestIds.next()
        func errorFrame(_ text: String) -> JSONValue {
            ["message": .string(text), "connectionId": .string(connectionId), "requestId": .string(requestId)]
        }
        switch message {
        case .subscribe(let entityId):
            guard grant.allows(entityId) else {
                logger.debug("Subscribe refused by policy", metadata: ["pb.connection.id": "\(connectionId)", "pb.entity.id": "\(entityId)"])
                return errorFrame("Forbidden: this connection may not subscribe to \(entityId)")
            }
            switch runtime.registry.subscribe(connectionId, to: entityId) {
            case .subscribed, .alreadySubscribed, .unknownConnection: return nil
            case .limitReached(let limit):
                return errorFrame("subscribe: this connection already has the maximum of \(limit) subscriptions; unsubscribe first")
            }
        case .unsubscribe(let entityId):
            runtime.registry.unsubscribe(connectionId, from: entityId)
            return nil
        case .noRoute:
            return errorFrame("Forbidden")
        case .invalid(let reason):
            logger.debug("Rejected client message", metadata: ["pb.connection.id": "\(connectionId)", "pb.reason": "\(reason)"])
            return errorFrame(reason)
        }
    }
}
