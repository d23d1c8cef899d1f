import FuzzSupport
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOWebSocket
import PushBridgeCore
import PushBridgeJSON

@testable import PushBridgeServer

// Why: after the upgrade every byte a WebSocket client sends reaches NIO's frame decoder and our connection handler.
//
// Input: one byte choosing how the rest is cut into reads (see Fuzz.chunks), then the client's bytes: frames,
// normally masked (seeds use the zero mask, so their payloads read as text). The pipeline is the one the upgrader
// leaves (frame encoder, decoder, protocol error handler) plus `WebSocketGateway.connect`. After the input, every
// subscriber gets a push longer than a frame. Properties checked besides "no crash":
// - what the server writes is a valid frame sequence: unmasked, no reserved bits, control frames whole and short,
//   fragments in order, nothing after the close frame; every text message is JSON;
// - a connection holds at most `maximumSubscriptionsPerConnection` subscriptions;
// - once the socket is closed, the registry holds no connection and no subscription.
@main
enum FuzzWebSocketFrames {
    static let loop = EmbeddedEventLoop()
    static let logger = Logger(label: "fuzz")
    static let runtime: PushBridgeRuntime = {
        var configuration = ServerConfiguration()
        // Small limits, so that inputs of a couple of kilobytes reach them (longer inputs make every run slower).
        configuration.maximumFrameSize = 256
        configuration.maximumMessageSize = 1024
        configuration.maximumSubscriptionsPerConnection = 4
        configuration.installDefaultRule = false
        return try! PushBridgeRuntime(configuration: configuration, logger: logger)
    }()
    static let gateway = WebSocketGateway(
        runtime: runtime,
        metrics: PushBridgeMetrics(),
        readiness: Readiness(),
        logger: logger,
        writeQueues: EventLoopWriteQueues(maximumFrameSize: runtime.configuration.maximumFrameSize)
    )
    static let push = ByteBuffer(string: #"{"type":"push","pad":"\#(String(repeating: "é", count: 400))"}"#)

    static func main() {
        _ = gateway  // built before fuzzing: its one-time allocations are not the first input's
        Fuzz.run { data in
            let channel = EmbeddedChannel(loop: loop)
            try! channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            try! channel.pipeline.syncOperations.addHandlers([
                WebSocketFrameEncoder(),
                // As the upgrader leaves it: frame errors are answered by WebSocketConnectionHandler itself.
                ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: runtime.configuration.maximumFrameSize)),
            ])
            try! gateway.connect(channel, head: HTTPRequestHead(version: .http1_1, method: .GET, uri: "/dev"), identity: nil)
            let registry = runtime.registry
            let connectionId = registry.records().first?.connectionId
            for chunk in Fuzz.chunks(data) where channel.isActive {
                do { try channel.writeInbound(ByteBuffer(bytes: chunk)) } catch { break }
                loop.run()
            }
            if let connectionId {
                let subscriptions = registry.subscriptions(of: connectionId) ?? []
                Fuzz.require(subscriptions.count <= runtime.configuration.maximumSubscriptionsPerConnection, "\(subscriptions.count) subscriptions")
                for entity in subscriptions {
                    for subscriber in registry.subscribers(of: entity) { _ = subscriber.sink.send(text: push) }
                }
            }
            loop.run()
            var output = ByteBuffer()
            while let part = try? channel.readOutbound(as: ByteBuffer.self) { output.writeImmutableBuffer(part) }
            _ = try? channel.finish()
            loop.advanceTime(by: ChannelConnectionSink.closeGracePeriod + .seconds(1))
            Fuzz.require(registry.connectionCount == 0, "\(registry.connectionCount) connections left after close")
            Fuzz.require(registry.subscriptionCount == 0, "\(registry.subscriptionCount) subscriptions left after close")
            ServerFrames.check(Array(output.readableBytesView))
        }
    }
}
