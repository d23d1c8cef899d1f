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
            } onUpgrade: { inbound, outbound, context in
                await self.handle(inbound: inbound, outbound: outbound, context: context)
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
        outbound: WebSocketOutboundWriter,
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
        let mailbox = ConnectionMailbox(
            maximumFrames: configuration.outboundBufferFrames,
            maximumBytes: configuration.outboundBufferBytes
        ) { _ in
            // If the writer is stuck on a peer that stopped reading, the close frame cannot get out:
            // drop the socket after a grace period.
            channel.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
        }
        let logger = {
            var logger = context.logger
            logger[metadataKey: "pb.connection.id"] = "\(connectionId)"
            return logger
        }()
        runtime.registry.register(record, sink: mailbox)
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
            mailbox.finish()
            logger.debug("Disconnected")
        }
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await Self.write(from: mailbox, to: outbound, maximumFrameSize: configuration.maximumFrameSize) }
                group.addTask {
                    await self.read(inbound, connectionId: connectionId, mailbox: mailbox, logger: logger)
                }
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            // $disconnect on shutdown says "come back later" (1001), not "all done". The close frame goes
            // straight to the channel: the server cancels this handler right after, before its writer could.
            let reason = "Going away: server shutting down"
            mailbox.close(code: CloseCode.goingAway, reason: reason)
            var data = channel.allocator.buffer(capacity: 2 + reason.utf8.count)
            data.write(webSocketErrorCode: .goingAway)
            data.writeString(reason)
            channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data), promise: nil)
        }
    }

    /// The connection's only writer: frames from the mailbox, in order, until a close or the end.
    private static func write(from mailbox: ConnectionMailbox, to outbound: WebSocketOutboundWriter, maximumFrameSize: Int) async {
        do {
            while true {
                switch await mailbox.next() {
                case .frame(let buffer):
                    try await writeText(buffer, to: outbound, maximumFrameSize: maximumFrameSize)
                case .close(let code, let reason):
                    try await outbound.close(WebSocketErrorCode(codeNumber: Int(code)), reason: reason)
                    return
                case .finished:
                    return
                case .wait:
                    continue
                }
            }
        } catch {
            mailbox.finish()
        }
    }

    /// One text message, split into frames of at most `maximumFrameSize` bytes as API Gateway does.
    private static func writeText(_ buffer: ByteBuffer, to outbound: WebSocketOutboundWriter, maximumFrameSize: Int) async throws {
        guard buffer.readableBytes > maximumFrameSize else {
            try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: buffer)))
            return
        }
        var rest = buffer
        var opcode = WebSocketOpcode.text
        while rest.readableBytes > 0 {
            let slice = rest.readSlice(length: min(maximumFrameSize, rest.readableBytes))!
            try await outbound.write(.custom(WebSocketFrame(fin: rest.readableBytes == 0, opcode: opcode, data: slice)))
            opcode = .continuation
        }
    }

    private func read(_ inbound: WebSocketInboundStream, connectionId: String, mailbox: ConnectionMailbox, logger: Logger) async {
        do {
            for try await message in inbound.messages(maxSize: runtime.configuration.maximumMessageSize) {
                runtime.registry.touch(connectionId, at: .now())
                let text: String
                switch message {
                case .text(let string): text = string
                case .binary(let buffer): text = String(buffer: buffer)
                }
                if let reply = respond(to: ClientMessage(text: text), connectionId: connectionId, logger: logger) {
                    _ = mailbox.send(text: ByteBuffer(string: reply.jsonText))
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
