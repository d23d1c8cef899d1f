import Hummingbird
import Logging
import PushBridgeCore
import PushBridgeJSON

/// `/admin/connections` and `/admin/subscriptions`.
extension AdminRoutes {
    func listConnections(_ request: Request, _ context: Context) async throws -> Response {
        let limit = try AdminQuery.limit(request.uri.queryParameters["limit"].map(String.init))
        if runtime.cluster != nil { return try await listClusterConnections(request, limit: limit) }
        var records = runtime.registry.records()
        let total = records.count
        if let token = request.uri.queryParameters["nextToken"].map(String.init), !token.isEmpty {
            let key = try AdminQuery.decodeToken(token)
            let parts = key.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, let milliseconds = Int64(parts[0]) else { throw AdminError.badRequest("nextToken is not valid.") }
            let after = (Timestamp(milliseconds: milliseconds), parts[1])
            records.removeAll { ($0.connectedAt, $0.connectionId) <= after }
        }
        let page = records.prefix(limit)
        var members: [(String, JSONValue)] = [
            (
                "connections",
                .array(page.map { AdminJSON.connection($0, subscriptions: runtime.registry.subscriptions(of: $0.connectionId) ?? []) })
            ),
            ("count", AdminJSON.int(page.count)),
            ("total", AdminJSON.int(total)),
        ]
        if records.count > limit, let last = page.last {
            members.append(("nextToken", .string(AdminQuery.encodeToken("\(last.connectedAt.milliseconds) \(last.connectionId)"))))
        }
        return AdminResponses.json(AdminJSON.object(members))
    }

    static func noConnection(_ id: String) -> AdminError {
        .notFound("No connection \(id) (it may have closed); list them with `pushbridge connections list`.")
    }

    func showConnection(_ request: Request, _ context: Context) async throws -> Response {
        let id = Self.parameter("id", context)
        guard let record = runtime.registry.record(id) else { return try await showClusterConnection(id) }
        return AdminResponses.json(AdminJSON.connection(record, subscriptions: runtime.registry.subscriptions(of: id) ?? []))
    }

    /// Closes the socket (1000, "Disconnected by operator") and forgets the connection and its subscriptions.
    func disconnect(_ request: Request, _ context: Context) async throws -> Response {
        let id = Self.parameter("id", context)
        guard let sink = runtime.registry.sink(id) else { return try await disconnectClusterConnection(id, context: context) }
        runtime.registry.remove(id)
        sink.close(code: CloseCode.normal, reason: "Disconnected by operator")
        onDisconnect()
        context.logger.notice("Connection closed by operator", metadata: ["pb.connection.id": "\(id)"])
        return AdminResponses.json(AdminJSON.object([("disconnected", .string(id))]))
    }

    /// `?entity=ID`: the connections subscribed to it; `?connection=ID`: what it is subscribed to.
    func subscriptions(_ request: Request, _ context: Context) async throws -> Response {
        let entity = request.uri.queryParameters["entity"].map(String.init)
        let connection = request.uri.queryParameters["connection"].map(String.init)
        switch (entity, connection) {
        case (let entity?, nil):
            let ids = runtime.registry.subscribers(of: entity).map(\.connectionId).sorted()
            return AdminResponses.json(
                AdminJSON.object([
                    ("entity", .string(entity)), ("count", AdminJSON.int(ids.count)), ("connections", .array(ids.map { .string($0) })),
                ])
            )
        case (nil, let connection?):
            guard let entities = runtime.registry.subscriptions(of: connection) else { throw Self.noConnection(connection) }
            return AdminResponses.json(
                AdminJSON.object([
                    ("connection", .string(connection)), ("count", AdminJSON.int(entities.count)),
                    ("entities", .array(entities.map { .string($0) })),
                ])
            )
        default:
            throw AdminError.badRequest("Give exactly one of entity=ID or connection=ID.")
        }
    }
}
