import HTTPTypes
import HummingbirdTesting
import NIOCore
import PushBridgeCore
import PushBridgeJSON
import PushBridgeServer
import Testing

/// A subscriber that stops reading must not hold back anyone else: its small outbound buffer fills, and it
/// is closed as a slow consumer.
@Suite struct SlowConsumerTests {
    /// Enough pushes to fill the kernel's socket buffers on both ends and the server's own buffers.
    static let maximumPushes = 400
    /// Under the 32 KB frame size, so each push is one frame.
    static let payload = String(repeating: "s", count: 30_000)

    @Test func slowSubscriberIsClosedWhileTheFastOneGetsEverything() async throws {
        let configure: (inout ServerConfiguration) -> Void = { $0.outboundBufferFrames = 4 }
        try await withPushBridgeServer(configure: configure) { server in
            let entity = unique("slow")
            let slow = try await RawWebSocket(port: server.port, path: "/dev")
            let slowId = try await slow.subscribeAndLearnId(entity)
            try await slow.stopReading()

            try await TestWebSocket.with(server.webSocketURL()) { fast in
                let fastId = try await fast.connectionId()
                try await fast.subscribe(entity)
                var pushes = 0
                // One event at a time, each received by the fast client before the next is published, so only
                // the slow connection's buffer can fill.
                while pushes < Self.maximumPushes, server.runtime.fanOutStatistics.slowConsumersClosed == 0 {
                    let message = "\(pushes) \(Self.payload)"
                    try await server.publish(entityId: entity, message: message)
                    try await fast.expectPush(entityId: entity, message: message)
                    pushes += 1
                }
                #expect(server.runtime.fanOutStatistics.slowConsumersClosed == 1, "after \(pushes) pushes")

                try await eventually("the slow connection to be gone", within: .seconds(5)) {
                    try await server.request(.get, "/dev/@connections/\(slowId)").status == .gone
                }
                #expect(server.runtime.registry.subscriptions(of: slowId) == nil)

                // The fast subscriber is unaffected and keeps receiving.
                #expect(try await server.request(.get, "/dev/@connections/\(fastId)").status == .ok)
                for index in 0..<3 {
                    try await server.publish(entityId: entity, message: "after \(index)")
                    try await fast.expectPush(entityId: entity, message: "after \(index)")
                }
                #expect(server.runtime.fanOutStatistics.slowConsumersClosed == 1)
            }
            await slow.abort()
            try await expectStillServing(server)
        }
    }

    /// Pongs are answers the client never reads: they count against the same bound as pushed frames.
    @Test func aClientThatPingsAndNeverReadsIsClosedAsASlowConsumer() async throws {
        let configure: (inout ServerConfiguration) -> Void = {
            $0.outboundBufferFrames = 4
            // Pings count against the frame rate, which would close this flood first (RateLimitServerTests); this
            // is about the outbound bound alone.
            $0.maximumFramesPerSecond = 0
        }
        try await withPushBridgeServer(configure: configure) { server in
            let pinger = try await RawWebSocket(port: server.port, path: "/dev")
            try await pinger.stopReading()
            let ping = (opcode: UInt8(0x9), payload: [UInt8](repeating: 0x70, count: 125))
            var sent = 0
            // Bounded: 300,000 pings are 38 MB, far past the kernel buffers of both ends (loopback grows them to a few MB).
            while sent < 300_000, server.runtime.fanOutStatistics.slowConsumersClosed == 0 {
                do {
                    try await pinger.sendFrames(Array(repeating: ping, count: 200))
                } catch {
                    break  // the server closed it
                }
                sent += 200
            }
            try await eventually("the pinging connection to be closed as a slow consumer", within: .seconds(5)) {
                server.runtime.fanOutStatistics.slowConsumersClosed == 1
            }
            await pinger.abort()
            try await expectStillServing(server)
        }
    }

    @Test func postToAFullConnectionIsLimitExceeded() async throws {
        let configure: (inout ServerConfiguration) -> Void = { $0.outboundBufferFrames = 4 }
        try await withPushBridgeServer(configure: configure) { server in
            let entity = unique("full")
            let slow = try await RawWebSocket(port: server.port, path: "/dev")
            let slowId = try await slow.subscribeAndLearnId(entity)
            try await slow.stopReading()

            var posts = 0
            var last: TestClient.Response?
            while posts < Self.maximumPushes {
                let response = try await server.request(.post, "/dev/@connections/\(slowId)", body: ByteBuffer(string: Self.payload))
                last = response
                guard response.status == .ok else { break }
                posts += 1
            }
            let response = try #require(last)
            #expect(response.status == .tooManyRequests, "after \(posts) posts")
            #expect(response.headers[.amznErrorType] == "LimitExceededException")
            #expect(response.bodyText == #"{"message":"The connection's outbound buffer is full; retry later."}"#)

            // PostToConnection only refuses; a push that finds the buffer full closes the slow consumer.
            #expect(server.runtime.fanOutStatistics.slowConsumersClosed == 0)
            try await server.publish(entityId: entity, message: "one too many")
            try await eventually("the full connection to be gone", within: .seconds(5)) {
                try await server.request(.get, "/dev/@connections/\(slowId)").status == .gone
            }
            #expect(server.runtime.fanOutStatistics.slowConsumersClosed == 1)
            await slow.abort()
            try await expectStillServing(server)
        }
    }
}

extension RawWebSocket {
    /// Subscribes, then sends a probe whose Forbidden answer carries the connection id.
    func subscribeAndLearnId(_ entityId: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        try await sendText((["action": "subscribe", "entityId": .string(entityId)] as JSONValue).jsonText)
        try await sendText(#"{"action":"probe"}"#)
        let (opcode, payload) = try await readFrame()
        #expect(opcode == 0x1, sourceLocation: sourceLocation)
        let frame = try JSONParser.parse(String(buffer: payload))
        #expect(frame["message"] == "Forbidden", sourceLocation: sourceLocation)
        return try #require(frame["connectionId"]?.stringValue, sourceLocation: sourceLocation)
    }
}
