import HTTPTypes
import HummingbirdTesting
import NIOCore
import PushBridgeCore
import PushBridgeJSON
import Testing

@testable import PushBridgeServer

/// The rate limits against a running server, each in its interface's own shape.
@Suite struct RateLimitServerTests {
    static let upgradeHeaders = [
        "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13",
    ]

    static func twoConnectsPerSecond(_ configuration: inout ServerConfiguration) { configuration.maximumConnectsPerSecond = 2 }

    @Test func upgradesPastTheServersConnectRateGet429AsAPIGatewayThrottlesButHTTPIsServed() async throws {
        try await withPushBridgeServer(configure: Self.twoConnectsPerSecond) { server in
            // Ten upgrades sent at once: two tokens at once, then two a second, so most are refused however slowly
            // this machine answers them (sent one after another, a loaded machine could refill the bucket between).
            var connections: [RawHTTPConnection] = []
            for _ in 0..<10 { connections.append(try await RawHTTPConnection(port: server.port)) }
            for connection in connections {
                try await connection.send(RawHTTPConnection.request("GET", "/dev", headers: Self.upgradeHeaders))
            }
            var statuses: [Int] = []
            var throttled: RawHTTPConnection.Response?
            for connection in connections {
                let response = try await connection.readResponse()
                statuses.append(response.status)
                if response.status == 429 { throttled = response }
            }
            #expect(statuses.filter { $0 == 101 }.count >= 2, "\(statuses)")
            #expect(statuses.contains(429), "\(statuses)")
            #expect(statuses.allSatisfy { $0 == 101 || $0 == 429 }, "\(statuses)")
            #expect(throttled?.body == #"{"message":"Too Many Requests"}"#)
            #expect(throttled?.header("content-type") == "application/json")
            #expect(try await server.request(.get, "/healthz").status == .ok, "plain HTTP is not a connect")
            let samples = try await server.scrape()
            #expect(samples[#"pushbridge_rate_limited_total{limit="connect_global"}"#] == Double(statuses.filter { $0 == 429 }.count))
            #expect(samples[#"pushbridge_rate_limited_total{limit="connect_ip"}"#] == 0)
        }
    }

    static func oneConnectionPerAddress(_ configuration: inout ServerConfiguration) {
        configuration.newConnectionsPerSecondPerAddress = 1
    }

    @Test func anUpgradePastThePerAddressRateGetsAPIGatewaysBodyAndIsCounted() async throws {
        try await withPushBridgeServer(configure: Self.oneConnectionPerAddress) { server in
            // Ten connections opened at once, then ten upgrades: one token a second, so most are refused however
            // slowly a loaded machine answers (one upgrade after another, it could refill the bucket between them).
            var connections: [RawHTTPConnection] = []
            for _ in 0..<10 { connections.append(try await RawHTTPConnection(port: server.port)) }
            for connection in connections {
                try await connection.send(RawHTTPConnection.request("GET", "/dev", headers: Self.upgradeHeaders))
            }
            var refused: RawHTTPConnection.Response?
            for connection in connections {
                let response = try await connection.readResponse()
                if response.status == 429, refused == nil { refused = response }
            }
            #expect(refused?.body == #"{"message":"Too Many Requests"}"#)
            #expect(refused?.header("retry-after") == "1")
            // The scrape's own connection may be refused too, until the address's bucket refills (one a second).
            var samples: [String: Double] = [:]
            for _ in 0..<30 where samples.isEmpty {
                let response = try await server.request(.get, "/metrics")
                if response.status == .ok { samples = parsePrometheus(response.bodyText) } else { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect((samples[#"pushbridge_rate_limited_total{limit="connect_ip"}"#] ?? 0) >= 1)
        }
    }

    static func threeFrames(_ configuration: inout ServerConfiguration) {
        configuration.maximumFramesPerSecond = 20
        configuration.frameBurst = 3
    }

    @Test func framesPastTheRateGetTheThrottlingFrameAndTheSocketStaysUsable() async throws {
        try await withPushBridgeServer(configure: Self.threeFrames) { server in
            let socket = try await RawWebSocket(port: server.port, path: "/dev")
            let subscribe = Array(#"{"action":"subscribe","entityId":"e1"}"#.utf8)
            // Read together: three are routed (a subscribe has no answer), three are throttled.
            try await socket.sendFrames(Array(repeating: (opcode: 0x1, payload: subscribe), count: 6))
            var requestIds: Set<String> = []
            var connectionIds: Set<String> = []
            for _ in 0..<3 {
                let frame = try await socket.readFrame()
                #expect(frame.opcode == 0x1)
                let json = try JSONParser.parse(String(buffer: frame.payload))
                #expect(json["message"] == "Too Many Requests")
                if let id = json["requestId"]?.stringValue { requestIds.insert(id) }
                if let id = json["connectionId"]?.stringValue { connectionIds.insert(id) }
            }
            #expect(requestIds.count == 3)
            #expect(connectionIds.count == 1)
            #expect(server.runtime.registry.subscriptionCount == 1)
            // A token refills every 50 ms; then a message is routed again: an unknown action gets "Forbidden".
            try await Task.sleep(for: .milliseconds(200))
            try await socket.sendText(#"{"action":"nope"}"#)
            let next = try JSONParser.parse(String(buffer: try await socket.readFrame().payload))
            #expect(next["message"] == "Forbidden")
            #expect(next["connectionId"]?.stringValue == connectionIds.first)
            let samples = try await server.scrape()
            #expect(samples[#"pushbridge_rate_limited_total{limit="frames"}"#] == 3)
        }
    }

    static func oneFrame(_ configuration: inout ServerConfiguration) {
        configuration.maximumFramesPerSecond = 1
        configuration.frameBurst = 1
    }

    @Test func aClientFloodingFarPastTheRateIsClosedWith1008() async throws {
        try await withPushBridgeServer(configure: Self.oneFrame) { server in
            let socket = try await RawWebSocket(port: server.port, path: "/dev")
            // One routed, ten throttled (ten times the burst), the twelfth closes.
            let ping: (opcode: UInt8, payload: [UInt8]) = (opcode: 0x9, payload: [])
            try await socket.sendFrames([(opcode: 0x1, payload: Array(#"{"action":"nope"}"#.utf8))] + Array(repeating: ping, count: 11))
            let forbidden = try await socket.readFrame()
            #expect(String(buffer: forbidden.payload).contains("Forbidden"))
            var close = try await socket.readFrame()
            #expect(close.opcode == 0x8, "throttled pings are not answered")
            #expect(close.payload.readInteger(as: UInt16.self) == 1008)
        }
    }

    static func fourEntries(_ configuration: inout ServerConfiguration) {
        configuration.putEventsPerSecond = 1
        configuration.putEventsBurst = 4
    }

    @Test func putEventsPastTheRateGetsThrottlingExceptionEntriesInOrder() async throws {
        try await withPushBridgeServer(configure: Self.fourEntries) { server in
            let entries = (0..<10).map { entityUpdated(entityId: "e\($0)", message: nil) }
            let response = try await server.putEvents(body: entriesBody(entries))
            #expect(response.status == .ok)
            let json = try response.json()
            #expect(json["FailedEntryCount"] == 6)
            let results = json["Entries"]?.arrayValue ?? []
            #expect(results.count == 10)
            #expect(results.prefix(4).allSatisfy { $0["EventId"]?.stringValue != nil })
            #expect(results.dropFirst(4).allSatisfy { $0 == ["ErrorCode": "ThrottlingException", "ErrorMessage": "Rate exceeded"] })
            let samples = try await server.scrape()
            #expect(samples[#"pushbridge_rate_limited_total{limit="put_events"}"#] == 6)
            #expect(samples[#"pushbridge_events_rejected_total{code="ThrottlingException"}"#] == 6)
        }
    }

    @Test func bothPutEventsDoorsDrawOnTheSameRate() async throws {
        try await withPushBridgeServer(configure: Self.fourEntries) { server in
            let three = entriesBody((0..<3).map { entityUpdated(entityId: "e\($0)", message: nil) })
            let clock = ContinuousClock()
            let start = clock.now
            // Answered on the event loop by PutEventsChannelHandler: three of the four tokens.
            let fast = try await server.putEvents(body: three)
            #expect(try fast.json()["FailedEntryCount"] == 0)
            // `Expect: 100-continue` is passed on to the router; the one token left admits the first entry only.
            let connection = try await RawHTTPConnection(port: server.port)
            try await connection.send(RawHTTPConnection.putEvents(three, headers: ["Expect: 100-continue"]))
            var response = try await connection.readResponse()
            if response.status == 100 { response = try await connection.readResponse() }
            #expect(response.status == 200)
            let json = try JSONParser.parse(response.body)
            // One token left, plus one a second since: two throttled when this machine is quick, fewer when it is
            // slow; a door with a bucket of its own would throttle none.
            let refilled = Int((clock.now - start).components.seconds) + 1
            guard case .number(let count)? = json["FailedEntryCount"], let failed = count.int64.map(Int.init) else {
                Issue.record("no FailedEntryCount in \(response.body)")
                return
            }
            #expect((max(0, 2 - refilled)...2).contains(failed), "\(response.body) after \(clock.now - start)")
            #expect(json["Entries"]?.arrayValue?.first?["EventId"]?.stringValue != nil)
        }
    }
}
