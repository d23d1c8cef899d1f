import Foundation
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import NIOCore
import NIOWebSocket
import PushBridgeCore
import PushBridgeJSON
import PushBridgeServer
import Testing

/// The admin API end to end against a running server: auth, queues, DLQ, retries, connections, subscriptions.
@Suite struct AdminAPITests {
    @Test func everyAdminPathNeedsTheToken() async throws {
        try await withOperatedServer { operated in
            let server = operated.server
            for path in ["/admin/queues", "/admin/dlq", "/admin/retries", "/admin/connections", "/admin/nothing-here", "/admin"] {
                let missing = try await server.admin(.get, path, token: nil)
                #expect(missing.status == .unauthorized, "\(path)")
                #expect(try adminErrorCode(missing) == "Unauthorized")
                #expect(missing.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                let wrong = try await server.admin(.get, path, token: "nope")
                #expect(wrong.status == .unauthorized, "\(path)")
                #expect(!wrong.bodyText.contains(testAdminToken))
            }
            let unknown = try await server.admin(.get, "/admin/nothing-here")
            #expect(unknown.status == .notFound)
            #expect(try adminErrorCode(unknown) == "NotFound")
            // The public APIs need no token.
            #expect(try await server.request(.get, "/healthz").status == .ok)
        }
    }

    /// Paths are sent byte for byte (no client normalizes them): any spelling that reaches an admin handler with
    /// the token must be refused without it, and none may answer 2xx without it.
    @Test(arguments: [
        "//admin/queues", "/admin//queues", "///admin///dlq", "/admin/queues/", "/admin/queues//", "/./admin/queues",
        "/admin/./queues", "/x/../admin/queues", "/admin/dlq/../queues", "/%61dmin/queues", "/admin/%71ueues",
        "/ADMIN/queues", "/Admin/Queues", "/admin/queues?x=1", "/admin;x/queues", "/admin/queues;x", "//admin",
        "/admin/", "//admin/connections?limit=1", "/admin//dlq/x", "/admin/%2e%2e/admin/queues",
    ])
    func noSpellingOfAnAdminPathSkipsTheToken(_ path: String) async throws {
        try await withOperatedServer { operated in
            let connection = try await RawHTTPConnection(port: operated.server.port)
            try await connection.send(RawHTTPConnection.request("GET", path))
            let anonymous = try await connection.readResponse()
            try await connection.send(RawHTTPConnection.request("GET", path, headers: ["Authorization: Bearer \(testAdminToken)"]))
            let authorized = try await connection.readResponse()
            #expect(!(200..<300).contains(anonymous.status), "\(path) answered \(anonymous.status) without a token: \(anonymous.body)")
            if (200..<300).contains(authorized.status) {
                #expect(anonymous.status == 401, "\(path) reaches an admin handler; without a token it answered \(anonymous.status)")
            }
        }
    }

    @Test func withoutAConfiguredTokenTheAdminAPIStaysClosed() async throws {
        try await withPushBridgeServer { server in
            let configuredToken = try await server.admin(.get, "/admin/queues")
            #expect(configuredToken.status == .unauthorized)
            let empty = try await server.admin(.get, "/admin/queues", token: "")
            #expect(empty.status == .unauthorized)
        }
    }

    @Test func queuesShowDepthCountersAndDLQDepth() async throws {
        try await withOperatedServer { operated in
            let server = operated.server
            try await server.publish(entityId: unique("entity"), message: "hi")
            try await server.makeDeadLetters(2)
            try await eventually("the deliveries to be counted") {
                server.runtime.router.queues().first?.snapshot.counters.deadLettered == 2
            }
            let json = try await server.adminJSON(.get, "/admin/queues")
            let queue = try #require(json["queues"]?.arrayValue?.first)
            #expect(queue["target"] == "default/EntityUpdated/EntityUpdatedSubscribers")
            #expect(queue["depth"] == .number(JSONNumber(0)))
            #expect(queue["dlqDepth"] == .number(JSONNumber(2)))
            #expect(queue["counters"]?["delivered"] == .number(JSONNumber(1)))
            #expect(queue["counters"]?["deadLettered"] == .number(JSONNumber(2)))
            #expect(json["dlqDepth"] == .number(JSONNumber(2)))
        }
    }

    @Test func deadLettersListFilterPageShowAndDelete() async throws {
        try await withOperatedServer { operated in
            let server = operated.server
            let eventIds = try await server.makeDeadLetters(3)
            let all = try await server.adminJSON(.get, "/admin/dlq")
            let entries = try #require(all["deadLetters"]?.arrayValue)
            #expect(entries.count == 3)
            #expect(all["total"] == .number(JSONNumber(3)))
            #expect(Set(entries.compactMap { $0["eventId"]?.stringValue }) == Set(eventIds))
            #expect(entries.allSatisfy { $0["errorCode"] == "INVALID_PARAMETER" && $0["targetId"] == "EntityUpdatedSubscribers" })

            #expect(try await server.adminJSON(.get, "/admin/dlq?errorCode=INVALID_PARAMETER&rule=EntityUpdated")["total"] == .number(JSONNumber(3)))
            #expect(try await server.adminJSON(.get, "/admin/dlq?errorCode=TIMEOUT")["total"] == .number(JSONNumber(0)))
            #expect(
                try await server.adminJSON(.get, "/admin/dlq?target=default/EntityUpdated/EntityUpdatedSubscribers")["total"]
                    == .number(JSONNumber(3))
            )
            #expect(try await server.adminJSON(.get, "/admin/dlq?since=1h")["total"] == .number(JSONNumber(3)))
            #expect(try await server.adminJSON(.get, "/admin/dlq?until=2000-01-01T00:00:00Z")["total"] == .number(JSONNumber(0)))

            // Paging: two, then the last one, with no token after it.
            let first = try await server.adminJSON(.get, "/admin/dlq?limit=2")
            #expect(first["deadLetters"]?.arrayValue?.count == 2)
            let token = try #require(first["nextToken"]?.stringValue)
            let second = try await server.adminJSON(.get, "/admin/dlq?limit=2&nextToken=\(token)")
            #expect(second["deadLetters"]?.arrayValue?.count == 1)
            #expect(second["nextToken"] == nil)
            let pagedIds = (first["deadLetters"]!.arrayValue! + second["deadLetters"]!.arrayValue!).compactMap { $0["id"]?.stringValue }
            #expect(pagedIds == entries.compactMap { $0["id"]?.stringValue })

            // Show: attributes, attempts with their error, the event itself.
            let id = try #require(entries.first?["id"]?.stringValue)
            let shown = try await server.adminJSON(.get, "/admin/dlq/\(id)")
            #expect(shown["attributes"]?["ERROR_CODE"] == "INVALID_PARAMETER")
            #expect(shown["attempts"]?.arrayValue?.first?["errorCode"] == "INVALID_PARAMETER")
            #expect(shown["event"]?["detail-type"] == "Entity Updated")

            let deleted = try await server.adminJSON(.delete, "/admin/dlq/\(id)")
            #expect(deleted["deleted"] == .string(id))
            let again = try await server.admin(.get, "/admin/dlq/\(id)")
            #expect(again.status == .notFound)
            #expect(try adminErrorCode(again) == "NotFound")
            #expect(try await server.admin(.delete, "/admin/dlq/\(id)").status == .notFound)
        }
    }

    @Test func badQueriesAreBadRequests() async throws {
        try await withOperatedServer { operated in
            let server = operated.server
            for path in [
                "/admin/dlq?limit=0", "/admin/dlq?limit=x", "/admin/dlq?since=yesterday", "/admin/dlq?nextToken=%%%", "/admin/subscriptions",
            ] {
                let response = try await server.admin(.get, path)
                #expect(response.status == .badRequest, "\(path): \(response.bodyText)")
                #expect(try adminErrorCode(response) == "BadRequest")
            }
            for body in ["", "{}", "[1]", "not json", #"{"ratePerSecond":-1,"all":true}"#] {
                let response = try await server.admin(.post, "/admin/dlq/redrive", body: body)
                #expect(response.status == .badRequest, "redrive \(body): \(response.bodyText)")
            }
            #expect(try await server.admin(.post, "/admin/dlq/purge", body: "{}").status == .badRequest)
        }
    }

    @Test func redriveSendsDeadLettersBackAndPurgeCounts() async throws {
        try await withOperatedServer { operated in
            let server = operated.server
            try await server.makeDeadLetters(3)
            let ids = server.runtime.deadLetters.list(.all).map(\.id)

            // One by id: it goes back to its target (which refuses it again: a new dead letter).
            let one = try await server.adminJSON(.post, "/admin/dlq/redrive", body: #"{"id":"\#(ids[0])"}"#)
            #expect(one["matched"] == .number(JSONNumber(1)))
            #expect(one["redriven"] == .number(JSONNumber(1)))
            #expect(one["failures"]?.arrayValue?.isEmpty == true)
            #expect(server.runtime.deadLetters.entry(id: ids[0]) == nil)
            try await eventually("the redriven event to fail again") { server.runtime.deadLetters.count == 3 }
            let queue = try #require(server.runtime.router.queues().first)
            #expect(queue.snapshot.counters.enqueued == 4)

            // By filter, rate-limited, with an unknown id reported as a failure.
            let unknown = try await server.admin(.post, "/admin/dlq/redrive", body: #"{"id":"no-such-id"}"#)
            #expect(unknown.status == .notFound)
            let some = try await server.adminJSON(.post, "/admin/dlq/redrive", body: #"{"ids":["\#(ids[1])","missing"],"ratePerSecond":50}"#)
            #expect(some["redriven"] == .number(JSONNumber(1)))
            #expect(some["failures"]?.arrayValue?.first?["id"] == "missing")
            try await eventually("the redriven event to fail again") { server.runtime.deadLetters.count == 3 }

            let all = try await server.adminJSON(.post, "/admin/dlq/redrive", body: #"{"errorCode":"INVALID_PARAMETER","ratePerSecond":100}"#)
            #expect(all["matched"] == .number(JSONNumber(3)))
            #expect(all["redriven"] == .number(JSONNumber(3)))
            try await eventually("the redriven events to fail again") { server.runtime.deadLetters.count == 3 }

            #expect(try await server.adminJSON(.post, "/admin/dlq/purge", body: #"{"errorCode":"TIMEOUT"}"#)["purged"] == .number(JSONNumber(0)))
            #expect(try await server.adminJSON(.post, "/admin/dlq/purge", body: #"{"rule":"EntityUpdated"}"#)["purged"] == .number(JSONNumber(3)))
            #expect(server.runtime.deadLetters.count == 0)
        }
    }

    @Test func retriesWaitingCanBeListedBroughtForwardAndCancelled() async throws {
        try await withOperatedServer(configure: slowRetries) { operated in
            let server = operated.server
            // A webhook nobody listens on: each attempt fails with a retryable error.
            try await server.events("PutRule", #"{"Name":"Hooks","EventPattern":"{\"source\":[\"hooks\"]}"}"#)
            try await server.events("PutTargets", #"{"Rule":"Hooks","Targets":[{"Id":"hook","Arn":"http://127.0.0.1:9/unreachable"}]}"#)
            try await server.putEventsOK([
                ["Source": "hooks", "DetailType": "x", "Detail": "{}"], ["Source": "hooks", "DetailType": "y", "Detail": "{}"],
            ])
            try await eventually("two retries waiting", within: .seconds(10)) {
                server.runtime.router.queue(for: TargetKey(busName: "default", ruleName: "Hooks", targetId: "hook"))?.snapshot.waitingForRetry == 2
            }
            let list = try await server.adminJSON(.get, "/admin/retries?target=hook")
            let retries = try #require(list["retries"]?.arrayValue)
            #expect(retries.count == 2)
            let first = try #require(retries.first?["id"]?.stringValue)
            let second = try #require(retries.last?["id"]?.stringValue)
            #expect(first.hasPrefix("default/Hooks/hook/"))
            #expect(retries.first?["lastErrorCode"]?.stringValue != nil)

            func path(_ id: String, _ action: String) -> String {
                let slash = id.lastIndex(of: "/")!
                let target = id[..<slash].replacingOccurrences(of: "/", with: "%2F")
                return "/admin/retries/\(target)/\(id[id.index(after: slash)...])/\(action)"
            }
            let cancelled = try await server.adminJSON(.post, path(first, "cancel"))
            let deadLetterId = try #require(cancelled["deadLetterId"]?.stringValue)
            #expect(server.runtime.deadLetters.entry(id: deadLetterId)?.target.targetId == "hook")
            #expect(try await server.admin(.post, path(first, "cancel")).status == .notFound)

            let now = try await server.adminJSON(.post, path(second, "now"))
            #expect(now["status"] == "due")
            #expect(try await server.admin(.post, "/admin/retries/nonsense/1/now").status == .badRequest)
            #expect(try await server.admin(.post, "/admin/retries/default%2FNope%2Fhook/1/now").status == .notFound)
        }
    }

    @Test func connectionsAndSubscriptions() async throws {
        try await withOperatedServer { operated in
            let server = operated.server
            try await TestWebSocket.with(server.webSocketURL(), headers: [.userAgent: "AdminTests/1.0"]) { socket in
                let id = try await socket.connectionId()
                let entity = unique("entity")
                try await socket.subscribe(entity)
                let list = try await server.adminJSON(.get, "/admin/connections")
                let connection = try #require(list["connections"]?.arrayValue?.first)
                #expect(connection["connectionId"] == .string(id))
                #expect(connection["userAgent"] == "AdminTests/1.0")
                #expect(connection["subscriptionCount"] == .number(JSONNumber(1)))

                let shown = try await server.adminJSON(.get, "/admin/connections/\(id)")
                #expect(shown["subscriptions"] == .array([.string(entity)]))
                let byEntity = try await server.adminJSON(.get, "/admin/subscriptions?entity=\(entity)")
                #expect(byEntity["connections"] == .array([.string(id)]))
                let byConnection = try await server.adminJSON(.get, "/admin/subscriptions?connection=\(id)")
                #expect(byConnection["entities"] == .array([.string(entity)]))

                let disconnected = try await server.adminJSON(.delete, "/admin/connections/\(id)")
                #expect(disconnected["disconnected"] == .string(id))
                let close = try await socket.expectClosed()
                #expect(close?.closeCode == .normalClosure)
                #expect(try await server.admin(.get, "/admin/connections/\(id)").status == .notFound)
                #expect(try await server.admin(.get, "/admin/subscriptions?connection=\(id)").status == .notFound)
            }
        }
    }

    @Test func connectionsArePaged() async throws {
        try await withOperatedServer { operated in
            let server = operated.server
            try await TestWebSocket.with(server.webSocketURL()) { a in
                try await TestWebSocket.with(server.webSocketURL()) { b in
                    try await TestWebSocket.with(server.webSocketURL()) { c in
                        let ids = [try await a.connectionId(), try await b.connectionId(), try await c.connectionId()]
                        let first = try await server.adminJSON(.get, "/admin/connections?limit=2")
                        #expect(first["total"] == .number(JSONNumber(3)))
                        let token = try #require(first["nextToken"]?.stringValue)
                        let second = try await server.adminJSON(.get, "/admin/connections?limit=2&nextToken=\(token)")
                        #expect(second["nextToken"] == nil)
                        let paged = (first["connections"]!.arrayValue! + second["connections"]!.arrayValue!).compactMap {
                            $0["connectionId"]?.stringValue
                        }
                        #expect(Set(paged) == Set(ids))
                        #expect(paged.count == 3)
                    }
                }
            }
        }
    }
}
