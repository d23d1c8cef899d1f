import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import PushBridgeCore
import PushBridgeJSON
import PushBridgeSQLite
import PushBridgeServer
import Testing

/// A server with a data directory: what the API changed and what was accepted outlives the server, PutEvents
/// answers after the commit (still in order on one connection), and a directory serves one server at a time.
@Suite struct DurabilityTests {
    /// A fresh data directory, removed after `body`.
    static func withDataDirectory(_ body: (String) async throws -> Void) async throws {
        let directory = NSTemporaryDirectory() + "pushbridge-durability-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await body(directory)
    }

    static func durable(_ directory: String) -> (inout ServerConfiguration) -> Void {
        { configuration in
            configuration.storage = .dataDirectory(directory, synchronous: .normal)
            // A retry an hour away: messages stay queued while the test looks at them.
            configuration.retryBaseDelay = .seconds(3600)
            configuration.retryMaximumDelay = .seconds(3600)
        }
    }

    static func call(_ server: TestServer, _ operation: String, _ body: String) async throws -> JSONValue {
        let response = try await server.putEvents(body: body, target: "AWSEvents.\(operation)")
        #expect(response.status == .ok, "\(operation): \(response.bodyText)")
        return try response.json()
    }

    @Test func pipelinedPutEventsAreAnsweredInOrderAfterTheirCommit() async throws {
        try await Self.withDataDirectory { directory in
            try await withPushBridgeServer(configure: Self.durable(directory)) { server in
                let connection = try await RawHTTPConnection(port: server.port)
                let one = entriesBody([entityUpdated(entityId: "e1", message: "one")])
                let two = entriesBody([entityUpdated(entityId: "e2", message: "two"), entityUpdated(entityId: "e3", message: "three")])
                try await connection.send(
                    RawHTTPConnection.putEvents(one)
                        + RawHTTPConnection.putEvents("not json")
                        + RawHTTPConnection.request("POST", "/", headers: ["X-Amz-Target: AWSEvents.ListRules"], body: "{}")
                        + RawHTTPConnection.putEvents(two)
                )
                let first = try await connection.readResponse()
                #expect(try JSONParser.parse(first.body)["Entries"]?.arrayValue?.count == 1, "\(first.body)")
                let second = try await connection.readResponse()
                #expect(second.header("x-amzn-ErrorType") == "SerializationException")
                let third = try await connection.readResponse()
                #expect(try JSONParser.parse(third.body)["Rules"] != nil, "\(third.body)")
                let fourth = try await connection.readResponse()
                #expect(try JSONParser.parse(fourth.body)["Entries"]?.arrayValue?.count == 2, "\(fourth.body)")
                #expect(try JSONParser.parse(fourth.body)["FailedEntryCount"] == 0, "\(fourth.body)")
            }
        }
    }

    @Test func rulesTargetsBusesAndQueuedMessagesSurviveARestart() async throws {
        try await Self.withDataDirectory { directory in
            let target = TargetKey(busName: "orders", ruleName: "hook", targetId: "w")
            try await withPushBridgeServer(configure: Self.durable(directory)) { server in
                _ = try await Self.call(server, "CreateEventBus", #"{"Name":"orders"}"#)
                _ = try await Self.call(
                    server,
                    "PutRule",
                    #"{"Name":"hook","EventBusName":"orders","EventPattern":"{\"source\":[\"shop\"]}","Description":"kept"}"#
                )
                // Port 1 on loopback: nothing listens, every attempt fails and waits an hour for the next.
                _ = try await Self.call(
                    server,
                    "PutTargets",
                    #"{"Rule":"hook","EventBusName":"orders","Targets":[{"Id":"w","Arn":"http://127.0.0.1:1/hook","HttpParameters":{"HeaderParameters":{"webhook-secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}}]}"#
                )
                let entries: [JSONValue] = (1...3).map { index in
                    ["Source": "shop", "DetailType": "order", "Detail": .string(#"{"n":\#(index)}"#), "EventBusName": "orders"]
                }
                try await server.putEventsOK(entries)
                try await eventually("three retries waiting") { server.runtime.router.queue(for: target)?.snapshot.waitingForRetry == 3 }
            }
            try await withPushBridgeServer(configure: Self.durable(directory)) { server in
                let rule = try await Self.call(server, "DescribeRule", #"{"Name":"hook","EventBusName":"orders"}"#)
                #expect(rule["Description"] == "kept")
                let targets = try await Self.call(server, "ListTargetsByRule", #"{"Rule":"hook","EventBusName":"orders"}"#)
                #expect(targets["Targets"]?.arrayValue?.first?["Arn"] == "http://127.0.0.1:1/hook", "\(targets.jsonText)")
                // The secret is kept for signing, and still never echoed.
                #expect(!targets.jsonText.contains("whsec_"), "\(targets.jsonText)")
                #expect(server.runtime.router.rule("hook", bus: "orders")?.targets.first?.webhookSecret == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
                // Each keeps its wait (full jitter: up to an hour) and the attempt it failed.
                try await eventually("the three messages back, waiting") {
                    let snapshot = server.runtime.router.queue(for: target)?.snapshot
                    return snapshot?.depth == 3 && snapshot?.waitingForRetry == 3
                }
                let waiting = try #require(server.runtime.router.queue(for: target)?.waitingMessages)
                #expect(waiting.allSatisfy { !$0.attempts.isEmpty && $0.attempts.allSatisfy { $0.failure != nil } })
            }
        }
    }

    @Test func aSecondServerOnTheSameDirectoryIsRefused() async throws {
        try await Self.withDataDirectory { directory in
            try await withPushBridgeServer(configure: Self.durable(directory)) { server in
                var configuration = ServerConfiguration()
                Self.durable(directory)(&configuration)
                let error = #expect(throws: EventStoreError.self) {
                    _ = try PushBridgeRuntime(configuration: configuration, logger: .init(label: "t"))
                }
                #expect(error?.kind == .locked)
                #expect(error?.description.contains("pid \(ProcessInfo.processInfo.processIdentifier)") == true, "\(String(describing: error))")
                // The first one keeps serving.
                try await server.publish(entityId: "still", message: "here")
            }
        }
    }

    @Test func aDatabaseThatIsNotOneStopsTheStartWithItsPath() async throws {
        try await Self.withDataDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let file = directory + "/pushbridge.sqlite"
            try Data(repeating: 0x5A, count: 8192).write(to: URL(fileURLWithPath: file))
            var configuration = ServerConfiguration()
            Self.durable(directory)(&configuration)
            let error = #expect(throws: EventStoreError.self) { _ = try PushBridgeRuntime(configuration: configuration, logger: .init(label: "t")) }
            #expect(error?.kind == .unreadable)
            #expect(error?.path == file)
            // The lock was released: once the file is moved aside, the directory opens.
            try FileManager.default.removeItem(atPath: file)
            let runtime = try PushBridgeRuntime(configuration: configuration, logger: .init(label: "t"))
            runtime.store.close()
        }
    }
}
