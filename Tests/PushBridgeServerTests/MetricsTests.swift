import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import NIOCore
import NIOWebSocket
import PushBridgeCore
import PushBridgeJSON
import PushBridgeServer
import Testing

/// Parses Prometheus text format into `name{labels}` → value (labels as printed).
func parsePrometheus(_ text: String) -> [String: Double] {
    var samples: [String: Double] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
        samples[String(line[..<space])] = value
    }
    return samples
}

extension TestServer {
    func scrape(sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Double] {
        let response = try await request(.get, "/metrics")
        #expect(response.status == .ok, sourceLocation: sourceLocation)
        #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true, sourceLocation: sourceLocation)
        return parsePrometheus(response.bodyText)
    }
}

/// `/metrics`, `/healthz`, `/readyz`, and what a graceful shutdown does.
@Suite struct MetricsTests {
    static let target = #"bus="default",rule="EntityUpdated",target="EntityUpdatedSubscribers""#

    @Test func scrapeCountsIngestDeliveriesDeadLettersAndSockets() async throws {
        try await withOperatedServer { operated in
            let server = operated.server
            try await TestWebSocket.with(server.webSocketURL()) { socket in
                let entity = unique("entity")
                try await socket.subscribe(entity)
                try await server.publish(entityId: entity, message: "one")
                try await socket.expectPush(entityId: entity, message: "one")
                try await server.makeDeadLetters(2)
                // One entry rejected at ingest (no Detail), one accepted.
                let response = try await server.putEvents(
                    body: entriesBody([["Source": "tests", "DetailType": "Entity Updated"], entityUpdated(entityId: entity, message: "two")])
                )
                #expect(try response.json()["FailedEntryCount"] == .number(JSONNumber(1)))
                try await socket.expectPush(entityId: entity, message: "two")

                let samples = try await server.scrape()
                #expect(samples["pushbridge_events_ingested_total"] == 4)
                #expect(samples.keys.contains { $0.hasPrefix("pushbridge_events_rejected_total{code=") })
                #expect(samples["pushbridge_deliveries_total{\(Self.target),outcome=\"delivered\"}"] == 2)
                #expect(samples["pushbridge_deliveries_total{\(Self.target),outcome=\"dead_lettered\"}"] == 2)
                #expect(samples["pushbridge_dead_letters_total{\(Self.target),code=\"INVALID_PARAMETER\"}"] == 2)
                #expect(samples["pushbridge_rule_matches_total{\(Self.target)}"] == 4)
                #expect(samples["pushbridge_dlq_depth"] == 2)
                #expect(samples["pushbridge_queue_depth{\(Self.target)}"] == 0)
                #expect(samples["pushbridge_connections"] == 1)
                #expect(samples["pushbridge_subscriptions"] == 1)
                #expect(samples["pushbridge_connections_opened_total"] == 1)
                #expect(samples["pushbridge_delivery_latency_seconds_count{\(Self.target)}"] == 2)
                #expect(samples["pushbridge_delivery_latency_seconds_bucket{\(Self.target),le=\"+Inf\"}"] == 2)
            }
            try await eventually("the closed socket to be counted") {
                try await server.scrape()["pushbridge_connections_closed_total{reason=\"other\"}"] == 1
            }
            let samples = try await server.scrape()
            #expect(samples["pushbridge_connections"] == 0)
        }
    }

    @Test("Dead letters evicted to make room are counted in /metrics")
    func deadLetterEvictionsAreCounted() async throws {
        func roomForOneDeadLetter(_ configuration: inout ServerConfiguration) { configuration.deadLetterCapacity = 1 }
        try await withOperatedServer(configure: roomForOneDeadLetter) { operated in
            let server = operated.server
            #expect(try await server.scrape()["pushbridge_dlq_evicted_total"] == 0)
            // Without an entityId the WebSocket target refuses each event: three dead letters, room for one.
            let entries: [JSONValue] = (0..<3).map { index in
                ["Source": "tests", "DetailType": "Entity Updated", "Detail": .string(#"{"n":\#(index)}"#)]
            }
            _ = try await server.putEventsOK(entries)
            try await eventually("three dead letters, two of them evicted") {
                let samples = try await server.scrape()
                return samples["pushbridge_dlq_evicted_total"] == 2 && samples["pushbridge_dlq_depth"] == 1
            }
        }
    }

    @Test func retriesAndOperatorDisconnectsAreCounted() async throws {
        try await withOperatedServer(configure: slowRetries) { operated in
            let server = operated.server
            try await server.events("PutRule", #"{"Name":"Hooks","EventPattern":"{\"source\":[\"hooks\"]}"}"#)
            try await server.events("PutTargets", #"{"Rule":"Hooks","Targets":[{"Id":"hook","Arn":"http://127.0.0.1:9/x"}]}"#)
            try await server.putEventsOK([["Source": "hooks", "DetailType": "x", "Detail": "{}"]])
            try await eventually("a retry to be scheduled", within: .seconds(10)) {
                try await server.scrape()["pushbridge_queue_waiting_retry{bus=\"default\",rule=\"Hooks\",target=\"hook\"}"] == 1
            }
            let samples = try await server.scrape()
            #expect(samples["pushbridge_deliveries_total{bus=\"default\",rule=\"Hooks\",target=\"hook\",outcome=\"retry_scheduled\"}"] == 1)
            #expect(samples.keys.contains { $0.hasPrefix("pushbridge_retries_total{bus=\"default\",rule=\"Hooks\",target=\"hook\",code=") })

            try await TestWebSocket.with(server.webSocketURL()) { socket in
                let id = try await socket.connectionId()
                _ = try await server.adminJSON(.delete, "/admin/connections/\(id)")
                _ = try await socket.expectClosed()
            }
            try await eventually("the operator's disconnect to be counted") {
                try await server.scrape()["pushbridge_connections_closed_total{reason=\"operator\"}"] == 1
            }
        }
    }

    @Test("A removed target's series leave /metrics, so creating and removing targets in a loop grows nothing")
    func removedTargetsLeaveNoSeries() async throws {
        try await withOperatedServer(configure: slowRetries) { operated in
            let server = operated.server
            let labels = #"bus="default",rule="Churn",target="hook""#
            for round in 0..<2 {
                try await server.events("PutRule", #"{"Name":"Churn","EventPattern":"{\"source\":[\"churn\"]}"}"#)
                try await server.events("PutTargets", #"{"Rule":"Churn","Targets":[{"Id":"hook","Arn":"http://127.0.0.1:9/x"}]}"#)
                try await server.putEventsOK([["Source": "churn", "DetailType": "x", "Detail": "{}"]])
                try await eventually("round \(round): a retry to be scheduled", within: .seconds(10)) {
                    try await server.scrape()["pushbridge_queue_waiting_retry{\(labels)}"] == 1
                }
                #expect(try await server.scrape()["pushbridge_deliveries_total{\(labels),outcome=\"retry_scheduled\"}"] == 1)
                try await server.events("RemoveTargets", #"{"Rule":"Churn","Ids":["hook"]}"#)
                try await server.events("DeleteRule", #"{"Name":"Churn"}"#)
                let left = try await server.scrape().keys.filter { $0.contains(labels) }
                #expect(left.isEmpty, "round \(round): \(left.sorted())")
            }
        }
    }

    @Test func healthAndReadiness() async throws {
        try await withOperatedServer { operated in
            let server = operated.server
            #expect(try await server.request(.get, "/healthz").status == .ok)
            let ready = try await server.request(.get, "/readyz")
            #expect(ready.status == .ok)
            #expect(try ready.json()["status"] == "ready")

            operated.operations.readiness.startDraining()
            let draining = try await server.request(.get, "/readyz")
            #expect(draining.status == .serviceUnavailable)
            #expect(try draining.json()["status"] == "draining")
            #expect(try await server.request(.get, "/healthz").status == .ok)
            // No new events or sockets while draining; the admin API still answers.
            let refused = try await server.putEvents(body: entriesBody([entityUpdated(entityId: "e", message: nil)]))
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.headers[.amznErrorType] == "ServiceUnavailable")
            let refusedSocket = try await RawWebSocket(port: server.port, path: "/dev")
            // The upgrade is refused like PutEvents: 503, come back later.
            #expect(refusedSocket.handshakeResponse.hasPrefix("HTTP/1.1 503"), "\(refusedSocket.handshakeResponse)")
            #expect(refusedSocket.handshakeResponse.lowercased().contains("retry-after: 5"), "\(refusedSocket.handshakeResponse)")
            await refusedSocket.abort()
            #expect(try await server.admin(.get, "/admin/queues").status == .ok)
        }
    }

    /// Shutdown under load: everything published before the signal reaches every subscriber, then every socket
    /// closes with 1001.
    @Test func gracefulShutdownDeliversWhatWasQueuedAndClosesSocketsWith1001() async throws {
        try await withOperatedServer(grace: .seconds(3)) { operated in
            let server = operated.server
            let entity = unique("entity")
            let sockets = 5
            let events = 40
            try await withThrowingTaskGroup(of: Int.self) { group in
                let subscribed = Inbox<Void>()
                for _ in 0..<sockets {
                    group.addTask {
                        try await TestWebSocket.with(server.webSocketURL()) { socket in
                            try await socket.subscribe(entity)
                            try await socket.connectionId()
                            subscribed.push(())
                            var received = 0
                            for _ in 0..<events {
                                _ = try await socket.receive("push \(received + 1) of \(events)")
                                received += 1
                            }
                            let close = try await socket.expectClosed()
                            #expect(close?.closeCode == .goingAway)
                            return received
                        }
                    }
                }
                for _ in 0..<sockets { _ = try await subscribed.next(within: .seconds(5), "subscriptions") }
                for batch in 0..<(events / 10) {
                    try await server.putEventsOK((0..<10).map { entityUpdated(entityId: entity, message: "m\(batch * 10 + $0)") })
                }
                await operated.shutdown()
                var total = 0
                for try await received in group { total += received }
                #expect(total == sockets * events)
            }
        }
    }
}
