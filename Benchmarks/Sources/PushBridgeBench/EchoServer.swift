import ArgumentParser
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A trivial broadcast server with nchan's paths (`/sub/{entity}` WebSocket, `POST /pub/{entity}`), on one
/// event loop: the yardstick for the generator's own ceiling.
struct EchoServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo-server",
        abstract: "Serves a trivial broadcast: POST /pub/{entity} pushes the body to every socket on /sub/{entity}."
    )

    @Option(help: "Address to listen on (loopback only).") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port: Int

    func validate() throws {
        guard host.hasPrefix("127.") || host == "localhost" || host == "::1" else { throw ValidationError("loopback only") }
    }

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let hub = EchoHub()
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: 1 << 16,
            shouldUpgrade: { channel, head in
                channel.eventLoop.makeSucceededFuture(head.uri.hasPrefix("/sub/") ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { channel, head in
                let entity = String(head.uri.dropFirst("/sub/".count))
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(EchoSocketHandler(hub: hub, entity: entity))
                }
            }
        )
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(
                    withServerUpgrade: (
                        upgraders: [upgrader],
                        completionHandler: { context in context.pipeline.removeHandler(name: "echo-http", promise: nil) }
                    )
                ).flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(EchoHTTPHandler(hub: hub), name: "echo-http")
                }
            }
            .bind(host: host, port: port)
            .get()
        print("echo-server listening on \(host):\(port)")
        try await server.closeFuture.get()
        try await group.shutdownGracefully()
    }
}

/// Subscribers by entity. Touched on the server's only event loop.
final class EchoHub: @unchecked Sendable {
    var subscribers: [String: [ObjectIdentifier: any Channel]] = [:]

    func add(_ channel: any Channel, to entity: String) { subscribers[entity, default: [:]][ObjectIdentifier(channel)] = channel }
    func remove(_ channel: any Channel, from entity: String) { subscribers[entity]?[ObjectIdentifier(channel)] = nil }

    func publish(_ body: ByteBuffer, to entity: String) -> Int {
        guard let channels = subscribers[entity] else { return 0 }
        let frame = WebSocketFrame(fin: true, opcode: .text, data: body)
        for channel in channels.values { channel.writeAndFlush(frame, promise: nil) }
        return channels.count
    }
}

final class EchoSocketHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame
    let hub: EchoHub
    let entity: String

    init(hub: EchoHub, entity: String) {
        self.hub = hub
        self.entity = entity
    }

    func handlerAdded(context: ChannelHandlerContext) { hub.add(context.channel, to: entity) }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .connectionClose:
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        hub.remove(context.channel, from: entity)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}

final class EchoHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let hub: EchoHub
    var head: HTTPRequestHead?
    var body = ByteBuffer()

    init(hub: EchoHub) { self.hub = hub }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var chunk):
            body.writeBuffer(&chunk)
        case .end:
            guard let head else { return }
            var status = HTTPResponseStatus.notFound
            var reply = ""
            if head.method == .POST, head.uri.hasPrefix("/pub/") {
                let count = hub.publish(body, to: String(head.uri.dropFirst("/pub/".count)))
                status = .accepted
                reply = "queued messages: 1\nsubscribers: \(count)\n"
            }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: String(reply.utf8.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: reply)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            self.head = nil
            body = ByteBuffer()
        }
    }
}
