import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import PushBridgeCore
import Testing

@testable import PushBridgeServer

/// ``WebSocketGateway/connect(_:head:)`` on a channel without a socket (`EmbeddedChannel`): what the registry
/// holds and what the connection's sink answers as the channel comes and goes.
@Suite struct WebSocketGatewayChannelTests {
    private func gateway() throws -> WebSocketGateway {
        let logger = Logger(label: "WebSocketGatewayChannelTests")
        let runtime = try PushBridgeRuntime(configuration: ServerConfiguration(), logger: logger)
        return WebSocketGateway(
            runtime: runtime,
            metrics: PushBridgeMetrics(),
            readiness: Readiness(),
            logger: logger,
            writeQueues: EventLoopWriteQueues(maximumFrameSize: runtime.configuration.maximumFrameSize)
        )
    }

    private let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/dev")

    @Test func aSocketThatClosedDuringTheUpgradeIsNotKept() throws {
        let gateway = try gateway()
        let channel = EmbeddedChannel()  // never connected: inactive
        try gateway.connect(channel, head: head, identity: nil)
        #expect(gateway.runtime.registry.connectionCount == 0)
    }

    @Test func aClosedConnectionIsGoneAndItsSinkRefuses() throws {
        let gateway = try gateway()
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try gateway.connect(channel, head: head, identity: nil)
        let registry = gateway.runtime.registry
        #expect(registry.connectionCount == 1)
        let record = try #require(registry.records().first)
        let sink = try #require(registry.sink(record.connectionId))
        #expect(sink.send(text: ByteBuffer(string: "before")) == .queued)

        try channel.close().wait()
        #expect(registry.connectionCount == 0)
        #expect(sink.send(text: ByteBuffer(string: "after")) == .closed)
    }
}
