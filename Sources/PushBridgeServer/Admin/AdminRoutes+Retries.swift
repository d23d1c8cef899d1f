import Hummingbird
import Logging
import PushBridgeCore
import PushBridgeJSON

/// `/admin/retries`: messages waiting for their next attempt; retry now, or cancel (to the DLQ).
extension AdminRoutes {
    func listRetries(_ request: Request, _ context: Context) async throws -> Response {
        let limit = try AdminQuery.limit(request.uri.queryParameters["limit"].map(String.init))
        let filter = try AdminQuery.filter(query: request)
        var items: [(dueAt: Timestamp, json: JSONValue)] = []
        for queue in runtime.router.queues() {
            let key = queue.target
            if let bus = filter.busName, key.busName != bus { continue }
            if let rule = filter.ruleName, key.ruleName != rule { continue }
            if let target = filter.targetId, key.targetId != target { continue }
            for waiting in queue.waitingMessages { items.append((waiting.dueAt, AdminJSON.retry(waiting, target: key))) }
        }
        items.sort { $0.dueAt < $1.dueAt }
        var start = 0
        if let token = request.uri.queryParameters["nextToken"].map(String.init), !token.isEmpty {
            guard let offset = Int(try AdminQuery.decodeToken(token)), offset >= 0 else { throw AdminError.badRequest("nextToken is not valid.") }
            start = min(offset, items.count)
        }
        let end = min(items.count, start + limit)
        var members: [(String, JSONValue)] = [
            ("retries", .array(items[start..<end].map(\.json))),
            ("count", AdminJSON.int(end - start)),
            ("total", AdminJSON.int(items.count)),
        ]
        if end < items.count { members.append(("nextToken", .string(AdminQuery.encodeToken(String(end))))) }
        return AdminResponses.json(AdminJSON.object(members))
    }

    /// The queue and message id named by `/admin/retries/{target}/{id}/…`.
    private func waiting(_ context: Context) throws(AdminError) -> (DeliveryQueue, RetryID) {
        let targetText = Self.parameter("target", context)
        let idText = Self.parameter("id", context)
        guard let key = RetryID.target(from: targetText) else {
            throw .badRequest("The target must be bus/rule/targetId with '/' encoded as %2F, not '\(targetText)'.")
        }
        guard let messageId = UInt64(idText) else { throw .badRequest("The message id must be a number, not '\(idText)'.") }
        guard let queue = runtime.router.queue(for: key) else {
            throw .notFound("No target \(key); list targets with `pushbridge queues`.")
        }
        return (queue, RetryID(target: key, messageId: messageId))
    }

    private static func notWaiting(_ id: RetryID) -> AdminError {
        .notFound("No message \(id.text) is waiting for a retry (delivered, dead-lettered or already due); see `pushbridge retries list`.")
    }

    func retryNow(_ request: Request, _ context: Context) async throws -> Response {
        let (queue, id) = try waiting(context)
        guard queue.retryNow(id.messageId) else { throw Self.notWaiting(id) }
        context.logger.notice("Retry brought forward by operator", metadata: ["pb.retry.id": "\(id.text)"])
        return AdminResponses.json(AdminJSON.object([("id", .string(id.text)), ("status", "due")]))
    }

    func cancelRetry(_ request: Request, _ context: Context) async throws -> Response {
        let (queue, id) = try waiting(context)
        guard let entry = queue.cancelRetry(id.messageId) else { throw Self.notWaiting(id) }
        return AdminResponses.json(
            AdminJSON.object([("id", .string(id.text)), ("status", "dead-lettered"), ("deadLetterId", .string(entry.id))])
        )
    }
}
