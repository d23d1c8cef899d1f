import FuzzSupport
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import PushBridgeJSON

@testable import PushBridgeServer

// Why: PutEventsChannelHandler answers PutEvents from raw HTTP on the event loop, ahead of the router.
//
// Input: one byte choosing how the rest is cut into reads (see Fuzz.chunks), then HTTP/1.1 request bytes. The
// pipeline is the server's for plain HTTP: NIO's request decoder and response encoder, the handler, and in the
// router's place a stub that answers every request it is passed with an empty 200. Properties checked besides "no crash":
// - the bytes written are whole HTTP responses with a correct Content-Length, and none after `Connection: close`;
// - PutEvents answers carry JSON, and a 200's body is exactly its own compact form.
@main
enum FuzzPutEventsChannel {
    static let loop = EmbeddedEventLoop()
    static let logger = Logger(label: "fuzz")
    static let endpoint: EventsAPIEndpoint = {
        var configuration = ServerConfiguration()
        configuration.queueCapacity = 16
        let runtime = try! PushBridgeRuntime(configuration: configuration, logger: logger)
        return EventsAPIEndpoint(api: EventsAPI(runtime: runtime), metrics: PushBridgeMetrics(), readiness: Readiness(), logger: logger)
    }()
    static let dates = HTTPDateCache()

    static func main() {
        _ = endpoint  // built before fuzzing: its one-time allocations are not the first input's
        Fuzz.run { data in
            let channel = EmbeddedChannel(loop: loop)
            try! channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
            let writer = EncodedBytesWriter()
            try! channel.pipeline.syncOperations.addHandlers([
                writer,
                HTTPResponseEncoder(),
                ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)),
                PutEventsChannelHandler(endpoint: endpoint, writer: writer, dates: dates, serverName: "PushBridge"),
                RouterStub(),
            ])
            for chunk in Fuzz.chunks(data) where channel.isActive {
                do { try channel.writeInbound(ByteBuffer(bytes: chunk)) } catch { break }
                loop.run()
            }
            var output: [UInt8] = []
            while let part = try? channel.readOutbound(as: ByteBuffer.self) { output += part.readableBytesView }
            _ = try? channel.finish()
            loop.run()
            Fuzz.debug("written: \(String(decoding: output, as: UTF8.self).debugDescription)")
            HTTPResponses.check(output)
        }
    }
}

/// Stands in for Hummingbird: answers each request passed on with an empty 200 once its end arrives.
final class RouterStub: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    private var head: HTTPRequestHead?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            var headers: HTTPHeaders = ["Content-Length": "0"]
            if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            self.head = nil
        }
    }
}
