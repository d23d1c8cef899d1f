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
    /// `--max-connect-rate`; nil when off.
    var connectRateLimiter: ConnectRateLimiter? = nil

    enum UpgradeDecision: Equatable {
        /// Upgrade, answering with these headers; the identity its token (or the authorizer) proved, when
        /// authentication is on; the connection id the authorizer was told, if it was asked.
        case upgrade(HTTPHeaders, identity: AuthenticatedIdentity?, connectionId: String? = nil)
        /// A token was found; verifying it decides between upgrade and 403.
        case authenticate(TokenSource.Found, HTTPHeaders)
        /// The authorizer's identity source is present; the webhook decides between upgrade, 401, 403 and 500.
        case authorize(identity: [String], HTTPHeaders)
        /// Not a socket path: the request is answered as a failed upgrade.
        case notAWebSocketPath
        /// Shutting down: new sockets are refused with 503.
        case draining
        /// Authentication is on and the request carries no token: 401, as API Gateway answers a missing identity source.
        case unauthorized
        /// A token that does not verify, an authorizer's policy that does not allow, or a browser origin not allowed: 403.
        case forbidden(reason: String)
        /// The authorizer gave no usable answer: 500, never a connection.
        case authorizerFailed(reason: String)
        /// Over `--max-connect-rate`: 429, as API Gateway throttles `$connect`.
        case throttled
    }

    var rules: UpgradeRules {
        UpgradeRules(
            stage: runtime.configuration.stage,
            requiresToken: runtime.authenticator != nil,
            allowedOrigins: runtime.configuration.allowedOrigins,
            authorizer: runtime.connectAuthorizer?.settings.identitySource
        )
    }

    /// Sockets connect at `/` and at `/{stage}`; the query string carries no route, only perhaps a token.
    func decide(_ head: HTTPRequestHead) -> UpgradeDecision {
        limitingConnectRate(rules.decide(head, draining: readiness.isDraining))
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

    /// Asks the authorizer webhook about a `$connect` whose identity ``decide(_:)`` found. The connection id is
    /// assigned now, so the authorizer sees the id the connection will have. Neither the identity nor the answer's
    /// context is logged.
    func authorize(identity: [String], head: HTTPRequestHead, sourceIp: String, headers: HTTPHeaders) async -> UpgradeDecision {
        guard let authorizer = runtime.connectAuthorizer else { return .upgrade(headers, identity: nil) }
        let connectionId = runtime.connectionIds.next()
        let request = ConnectRequest(
            headers: head.headers.map { (name: $0.name, value: $0.value) },
            uri: head.uri,
            sourceIp: sourceIp,
            connectionId: connectionId,
            requestId: runtime.requestIds.next(),
            time: .now(),
            domainName: head.headers.first(name: "Host") ?? "",
            stage: runtime.configuration.stage
        )
        let outcome = await authorizer.authorize(request, identity: identity)
        switch outcome {
        case .allowed(let identity):
            return .upgrade(headers, identity: identity, connectionId: connectionId)
        case .denied:
            logger.debug("Connect refused", metadata: ["pb.reason": "\(outcome)", "pb.connection.id": "\(connectionId)"])
            return .forbidden(reason: outcome.description)
        case .unauthorized:
            logger.debug("Connect refused", metadata: ["pb.reason": "\(outcome)", "pb.connection.id": "\(connectionId)"])
            return .unauthorized
        case .failed(let reason):
            logger.warning("Connect refused: the authorizer gave no usable answer", metadata: ["pb.reason": "\(reason)"])
            return .authorizerFailed(reason: reason)
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
    func connect(_ channel: any Channel, head: HTTPRequestHead, identity: AuthenticatedIdentity?, connectionId assigned: String? = nil) throws {
        let configuration = runtime.configuration
        let connectionId = assigned ?? runtime.connectionIds.next()
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
                subscribeGrant: runtime.subscribePolicy.grant(for: identity?.claims, userId: identity?.userId),
                frameRateLimiter: frameRateLimiter()
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

    /// What a client message leads to.
    enum RouteResult: Equatable {
        /// Handled: the frame to send back, if any (routes have no response on success, as the sample defines no
        /// route responses).
        case answered(JSONValue?)
        /// A subscribe the `url:` policy's webhook decides; ``subscribeAfterAsking(_:)`` handles it.
        case askWebhook(SubscribeCheck)
    }

    /// Runs the selected route.
    func respond(to message: ClientMessage, connectionId: String, grant: SubscribeGrant) -> RouteResult {
        switch message {
        case .subscribe(let entityId):
            guard case .askWebhook(let userId, let claims) = grant, let webhook = runtime.subscribeWebhook else {
                return .answered(subscribe(connectionId, to: entityId, allowed: grant.allows(entityId)))
            }
            let check = SubscribeCheck(connectionId: connectionId, userId: userId, claims: claims, entityId: entityId)
            guard let verdict = webhook.cachedVerdict(check) else { return .askWebhook(check) }
            return .answered(subscribe(connectionId, to: entityId, allowed: verdict.allows))
        case .unsubscribe(let entityId):
            runtime.registry.unsubscribe(connectionId, from: entityId)
            return .answered(nil)
        case .noRoute:
            return .answered(errorFrame("Forbidden", connectionId: connectionId))
        case .invalid(let reason):
            logger.debug("Rejected client message", metadata: ["pb.connection.id": "\(connectionId)", "pb.reason": "\(reason)"])
            return .answered(errorFrame(reason, connectionId: connectionId))
        }
    }

    /// Asks the `url:` policy's webhook, then subscribes or answers as a refused subscribe; a webhook that gives no
    /// usable answer refuses. Returns the frame to send back, if any.
    func subscribeAfterAsking(_ check: SubscribeCheck) async -> JSONValue? {
        guard let webhook = runtime.subscribeWebhook else { return subscribe(check.connectionId, to: check.entityId, allowed: false) }
        let verdict = await webhook.ask(check)
        if case .failed(let reason) = verdict {
            logger.warning(
                "Subscribe refused: the subscribe policy's webhook gave no usable answer",
                metadata: ["pb.connection.id": "\(check.connectionId)", "pb.entity.id": "\(check.entityId)", "pb.reason": "\(reason)"]
            )
        }
        return subscribe(check.connectionId, to: check.entityId, allowed: verdict.allows)
    }

    /// Subscribes once the policy has decided; the frame to send back, if any.
    private func subscribe(_ connectionId: String, to entityId: String, allowed: Bool) -> JSONValue? {
        guard allowed else {
            logger.debug("Subscribe refused by policy", metadata: ["pb.connection.id": "\(connectionId)", "pb.entity.id": "\(entityId)"])
            return errorFrame("Forbidden: this connection may not subscribe to \(entityId)", connectionId: connectionId)
        }
        switch runtime.registry.subscribe(connectionId, to: entityId) {
        case .subscribed, .alreadySubscribed, .unknownConnection: return nil
        case .limitReached(let limit):
            return errorFrame(
                "subscribe: this connection already has the maximum of \(limit) subscriptions; unsubscribe first",
                connectionId: connectionId
            )
        }
    }

    private func errorFrame(_ text: String, connectionId: String) -> JSONValue {
        ["message": .string(text), "connectionId": .string(connectionId), "requestId": .string(runtime.requestIds.next())]
    }
}
