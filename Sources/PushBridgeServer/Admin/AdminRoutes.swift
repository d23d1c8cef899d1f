import Foundation
import HTTPTypes
import Hummingbird
import Logging
import PushBridgeCore
import PushBridgeJSON

/// The operator API under `/admin/` (behind ``AdminAuthMiddleware``): queues, dead letters, retries,
/// connections and subscriptions, as JSON.
struct AdminRoutes {
    let runtime: PushBridgeRuntime
    /// The Events API, which the console drives through `/admin/events-api/{operation}` with the admin token.
    let eventsEndpoint: EventsAPIEndpoint
    /// Called when an operator disconnects a socket (for the closed-by-reason metric).
    let onDisconnect: @Sendable () -> Void

    typealias Context = PushBridgeRequestContext
    typealias Handler = @Sendable (Request, Context) async throws -> Response

    /// Adds every admin route to one group guarded by `token`: the guard runs on whatever the router matched,
    /// so no spelling of a path (`//admin`, `/admin//dlq`, …) reaches a handler without the token.
    func register(on router: Router<Context>, token: String) {
        let admin = router.group("admin")
            .add(middleware: AdminBrowserGuard(allowedOrigins: runtime.configuration.allowedOrigins, servesTLS: runtime.configuration.tls != nil))
            .add(middleware: AdminAuthMiddleware(token: token))
        admin.get("queues") { request, context in await Self.run(request, context, queues) }

        admin.get("dlq") { request, context in await Self.run(request, context, listDeadLetters) }
        admin.post("dlq/redrive") { request, context in await Self.run(request, context, committed(redrive)) }
        admin.post("dlq/purge") { request, context in await Self.run(request, context, committed(purge)) }
        admin.get("dlq/:id") { request, context in await Self.run(request, context, showDeadLetter) }
        admin.delete("dlq/:id") { request, context in await Self.run(request, context, committed(deleteDeadLetter)) }

        admin.get("retries") { request, context in await Self.run(request, context, listRetries) }
        admin.post("retries/:target/:id/now") { request, context in await Self.run(request, context, committed(retryNow)) }
        admin.post("retries/:target/:id/cancel") { request, context in await Self.run(request, context, committed(cancelRetry)) }

        admin.get("connections") { request, context in await Self.run(request, context, listConnections) }
        admin.get("connections/:id") { request, context in await Self.run(request, context, showConnection) }
        admin.delete("connections/:id") { request, context in await Self.run(request, context, disconnect) }
        admin.get("subscriptions") { request, context in await Self.run(request, context, subscriptions) }
        admin.get("nodes") { request, context in await Self.run(request, context, nodes) }

        admin.get("info") { request, context in await Self.run(request, context, info) }
        admin.post("events-api/:operation") { request, context in await Self.run(request, context, eventsAPI) }
        admin.post("test-event") { request, context in await Self.run(request, context, testEvent) }

        for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch] {
            for path: RouterPath in ["", "**"] {
                admin.on(path, method: method) { request, _ in
                    AdminResponses.error(.notFound("No admin resource \(request.method) \(request.uri.path); see `pushbridge --help`."))
                }
            }
        }
    }

    /// A handler whose changes (dead letters removed or redriven, retries moved) are committed to the data
    /// directory before the answer.
    func committed(_ handler: @escaping Handler) -> Handler {
        let store = runtime.store
        return { request, context in
            let response = try await handler(request, context)
            try await store.flush()
            return response
        }
    }

    /// Runs a handler, turning its errors into JSON error responses.
    static func run(_ request: Request, _ context: Context, _ handler: Handler) async -> Response {
        do {
            return try await handler(request, context)
        } catch let error as AdminError {
            return AdminResponses.error(error)
        } catch {
            context.logger.error("Admin request failed", metadata: ["pb.path": "\(request.uri.path)", "pb.error": "\(error)"])
            return AdminResponses.error(.init(status: .internalServerError, code: "InternalError", message: "\(error)"))
        }
    }

    /// A path parameter, percent-decoded.
    static func parameter(_ name: String, _ context: Context) -> String {
        let raw = context.parameters.get(name) ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    // MARK: Queues

    func queues(_ request: Request, _ context: Context) async throws -> Response {
        var deadLetters: [TargetKey: Int] = [:]
        for entry in runtime.deadLetters.list(.all) { deadLetters[entry.target, default: 0] += 1 }
        let now = Timestamp.now()
        let queues = runtime.router.queues().map { queue in
            let snapshot = queue.snapshot
            let oldest = snapshot.waitingForRetry > 0 ? queue.waitingMessages.map(\.message.event.ingestedAt).min() : nil
            return AdminJSON.queue(snapshot, deadLetters: deadLetters[queue.target] ?? 0, oldestWaiting: oldest, now: now)
        }
        return AdminResponses.json(
            AdminJSON.object([("queues", .array(queues)), ("dlqDepth", AdminJSON.int(runtime.deadLetters.count))])
        )
    }
}
