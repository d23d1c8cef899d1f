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
        // Each path's methods, so that another method on the same path is a 405 in the admin API's shape (the router
        // would answer an empty 404: a path it knows does not fall through to the catch-all below).
        var methodsByPath: [String: [HTTPRequest.Method]] = [:]
        func add(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping @Sendable (Request, Context) async throws -> Response) {
            methodsByPath[path, default: []].append(method)
            admin.on(RouterPath(path), method: method, use: handler)
        }
        add(.get, "queues") { request, context in await Self.run(request, context, queues) }

        add(.get, "dlq") { request, context in await Self.run(request, context, listDeadLetters) }
        add(.post, "dlq/redrive") { request, context in await Self.run(request, context, committed(redrive)) }
        add(.post, "dlq/purge") { request, context in await Self.run(request, context, committed(purge)) }
        add(.get, "dlq/:id") { request, context in await Self.run(request, context, showDeadLetter) }
        add(.delete, "dlq/:id") { request, context in await Self.run(request, context, committed(deleteDeadLetter)) }

        add(.get, "retries") { request, context in await Self.run(request, context, listRetries) }
        add(.post, "retries/:target/:id/now") { request, context in await Self.run(request, context, committed(retryNow)) }
        add(.post, "retries/:target/:id/cancel") { request, context in await Self.run(request, context, committed(cancelRetry)) }

        add(.get, "connections") { request, context in await Self.run(request, context, listConnections) }
        add(.get, "connections/:id") { request, context in await Self.run(request, context, showConnection) }
        add(.delete, "connections/:id") { request, context in await Self.run(request, context, disconnect) }
        add(.get, "subscriptions") { request, context in await Self.run(request, context, subscriptions) }
        add(.get, "nodes") { request, context in await Self.run(request, context, nodes) }

        add(.get, "info") { request, context in await Self.run(request, context, info) }
        add(.post, "events-api/:operation") { request, context in await Self.run(request, context, eventsAPI) }
        add(.post, "test-event") { request, context in await Self.run(request, context, testEvent) }

        for (path, methods) in methodsByPath {
            let allowed = methods.map(\.rawValue).joined(separator: ", ")
            for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch] where !methods.contains(method) {
                admin.on(RouterPath(path), method: method) { request, _ in
                    let message = "\(request.uri.path) takes \(allowed), not \(request.method)."
                    var response = AdminResponses.error(AdminError(status: .methodNotAllowed, code: "MethodNotAllowed", message: message))
                    response.headers[.allow] = allowed
                    return response
                }
            }
        }
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
