import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import PushBridgeCore
import PushBridgeJSON
import ServiceLifecycle

/// API Gateway's WebSocket side: $connect, route selection on `action`, $disconnect.
struct WebSocketGateway {
    let runtime: PushBridgeRuntime

    func register(on router: Router<PushBridgeRequestContext>) {
        for path in ["/", "/\(runtime.configuration.stage)"] {
            router.ws(RouterPath(path)) { request, _ in
                .upgrade(Self.handshakeHeaders(for: request))
            } onUpgrade: { inbound, _, context in
                // Frames go out through ChannelConnectionSink, not through the async outbound writer.
                await self.handle(inbound: inbound, context: context)
            }
        }
    }

    /// Selects `websocket` when the client offers it (Postman and the sample's clients do); a client that
    /// offers other subprotocols or none connects without one.
    static func handshakeHeaders(for request: Request) -> HTTPFields {
        let offered = request.headers[values: .secWebSocketProtocol]
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard let chosen = offered.first(where: { $0.lowercased() == "websocket" }) else { return [:] }
        return [.secWebSocketProtocol: chosen]
    }

    private func handle(
        inbound: WebSocketInboundStream,
        context: WebSocketRouterContext<PushBridgeRequestContext>
    ) async {
        let configuration = runtime.configuration
        let channel = context.requestContext.channel
        let connectionId = runtime.connectionIds.next()
        let path = context.request.uri.path
        let record = ConnectionRecord(
            connectionId: connectionId,
            sourceIp: channel.remoteAddress?.ipAddress ?? "",
            userAgent: context.request.headers[.userAgent] ?? "",
            connectedAt: .now(),
            stage: path == "/" ? nil : String(path.dropFirst())
        )
        let sink = ChannelConnectionSink(channel: channel, maximumFrameSize: configuration.maximumFrameSize)
        let outboundLimit = min(configuration.outboundBufferBytes, configuration.outboundBufferFrames * configuration.maximumFrameSize)
        try? await channel.setOption(
            ChannelOptions.writeBufferWaterMark,
            value: .init(low: max(1, outboundLimit / 2), high: max(2, outboundLimit))
        ).get()
        let logger = {
            var logger = context.logger
            logger[metadataKey: "pb.connection.id"] = "\(connectionId)"
            return logger
        }()
        runtime.registry.register(record, sink: sink)
        let registry = runtime.registry
        try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(
                InboundActivityHandler { registry.touch(connectionId, at: .now()) },
                position: .first
            )
        }.get()
        logger.debug("Connected", metadata: ["pb.source.ip": "\(record.sourceIp)", "pb.path": "\(path)"])
        defer {
            runtime.registry.remove(connectionId)
            logger.debug("Disconnected")
        }
        await withGracefulShutdownHandler {
            await read(inbound, connectionId: connectionId, sink: sink, logger: logger)
        } onGracefulShutdown: {
            // $disconnect on shutdown says "come back later" (1001), not "all done".
            sink.close(code: CloseCode.goingAway, reason: "Going away: server shutting down")
        }
    }

    private func read(_ inbound: WebSocketInboundStream, connectionId: String, sink: ChannelConnectionSink, logger: Logger) async {
        do {
            for try await message in inbound.messages(maxSize: runtime.configuration.maximumMessageSize) {
                runtime.registry.touch(connectionId, at: .now())
                let text: String
                switch message {
                case .text(let string): text = string
                case .binary(let buffer): text = String(buffer: buffer)
                }
                if let reply = respond(to: ClientMessage(text: text), connectionId: connectionId, logger: logger) {
                    _ = sink.send(text: ByteBuffer(string: reply.jsonText))
                }
            }
        } catch {
            logger.debug("WebSocket read ended", metadata: ["pb.error": "\(error)"])
        }
    }

    /// Runs the selected route; returns the frame to send back, if any (routes have no response on success,
    /// as the sample defines no route responses).
    private func respond(to message: ClientMessage, connectionId: String, logger: Logger) -> JSONValue? {
        let requestId = runtime.requestIds.next()
        func errorFrame(_ text: String) -> JSONValue {
            ["message": .string(text), "connectionId": .string(connectionId), "requestId": .string(requestId)]
        }
        switch message {
        case .subscribe(let entityId):
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
            logger.debug("Rejected client message", metadata: ["pb.reason": "\(reason)"])
            return errorFrame(reason)
        }
    }
}
