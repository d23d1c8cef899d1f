import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import PushBridgeJSON
import Testing

@testable import PushBridgeServer

/// ``PutEventsChannelHandler`` in a pipeline without a socket (`EmbeddedChannel`): what it passes on and holds back.
@Suite struct PutEventsChannelHandlerTests {
    /// Counts the reads that get past the handler towards the socket.
    private final class ReadCounter: ChannelOutboundHandler {
        typealias OutboundIn = Any
        var reads = 0
        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    private func pipeline() throws -> (EmbeddedChannel, ReadCounter) {
        let channel = EmbeddedChannel()
        let writer = EncodedBytesWriter()
        let counter = ReadCounter()
        let logger = Logger(label: "PutEventsChannelHandlerTests")
        let runtime = try PushBridgeRuntime(configuration: ServerConfiguration(), logger: logger)
        let endpoint = EventsAPIEndpoint(api: EventsAPI(runtime: runtime), metrics: PushBridgeMetrics(), readiness: Readiness(), logger: logger)
        try channel.pipeline.syncOperations.addHandler(writer)
        try channel.pipeline.syncOperations.addHandler(counter)
        try channel.pipeline.syncOperations.addHandler(
            PutEventsChannelHandler(endpoint: endpoint, writer: writer, dates: HTTPDateCache(), serverName: "PushBridge")
        )
        return (channel, counter)
    }

    @Test func readsWaitWhileTheSocketCannotTakeMoreAnswers() throws {
        let (channel, counter) = try pipeline()
        channel.read()
        #expect(counter.reads == 1)
        channel.isWritable = false
        channel.read()
        channel.read()
        #expect(counter.reads == 1, "a client that does not read its answers is not read from")
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(counter.reads == 1, "still not writable")
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(counter.reads == 2, "one held read is released")
    }

    @Test func putEventsIsAnsweredOtherRequestsPassOn() throws {
        let (channel, _) = try pipeline()
        let body = #"{"Entries":[{"Source":"s","DetailType":"t","Detail":"{}"}]}"#
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/events")
        head.headers.add(name: "Content-Length", value: String(body.utf8.count))
        try channel.writeInbound(HTTPServerRequestPart.head(head))
        try channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: body)))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        #expect(try channel.readInbound(as: HTTPServerRequestPart.self) == nil, "answered here, not passed on")
        let answer = try #require(try channel.readOutbound(as: ByteBuffer.self))
        let text = String(buffer: answer)
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(text)")
        let json = try JSONParser.parse(String(try #require(text.components(separatedBy: "\r\n\r\n").last)))
        #expect(json["FailedEntryCount"] == 0 && json["Entries"]?.arrayValue?.count == 1, "\(text)")

        let other = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/healthz")
        try channel.writeInbound(HTTPServerRequestPart.head(other))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        #expect(try channel.readInbound(as: HTTPServerRequestPart.self) == .head(other))
        #expect(try channel.readInbound(as: HTTPServerRequestPart.self) == .end(nil))
    }
}
