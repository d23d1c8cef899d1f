import Hummingbird
import Logging
import PushBridgeCore
import PushBridgeJSON
import PushBridgePostgres

/// Cluster mode's `/admin/connections`: the sockets of every live node, from the `connections` table; this node's
/// own with their subscriptions, the others' with the node that holds them.
extension AdminRoutes {
    func listClusterConnections(_ request: Request, limit: Int) async throws -> Response {
        guard let cluster = runtime.cluster else { throw AdminError.badRequest("Not a cluster node.") }
        var after: (connectedAt: Int64, id: String)?
        if let token = request.uri.queryParameters["nextToken"].map(String.init), !token.isEmpty {
            let key = try AdminQuery.decodeToken(token)
            let parts = key.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, let milliseconds = Int64(parts[0]) else { throw AdminError.badRequest("nextToken is not valid.") }
            after = (milliseconds, parts[1])
        }
        // One more than the page: whether there is a next one.
        let (rows, total) = try await unavailableOnFailure { try await cluster.connections.list(after: after, limit: limit + 1) }
        let page = rows.prefix(limit)
        var members: [(String, JSONValue)] = [
            ("connections", .array(page.map { connectionJSON($0, cluster: cluster) })),
            ("count", AdminJSON.int(page.count)),
            ("total", AdminJSON.int(total)),
        ]
        if rows.count > limit, let last = page.last {
            members.append(("nextToken", .string(AdminQuery.encodeToken("\(last.connectedAt.milliseconds) \(last.connectionId)"))))
        }
        return AdminResponses.json(AdminJSON.object(members))
    }

    func showClusterConnection(_ id: String) async throws -> Response {
        guard let cluster = runtime.cluster else { throw Self.noConnection(id) }
        guard let remote = try await unavailableOnFailure({ try await cluster.remoteConnection(id) }) else { throw Self.noConnection(id) }
        return AdminResponses.json(connectionJSON(remote, cluster: cluster))
    }

    func disconnectClusterConnection(_ id: String, context: Context) async throws -> Response {
        guard let cluster = runtime.cluster else { throw Self.noConnection(id) }
        guard try await unavailableOnFailure({ try await cluster.disconnectRemote(id) }) else { throw Self.noConnection(id) }
        onDisconnect()
        context.logger.notice("Connection on another node closed by operator", metadata: ["pb.connection.id": "\(id)"])
        return AdminResponses.json(AdminJSON.object([("disconnected", .string(id))]))
    }

    /// A row as `/admin/connections` shows a connection, plus its node; this node's own from memory.
    private func connectionJSON(_ remote: ClusterConnections.Remote, cluster: ClusterNode) -> JSONValue {
        var members: [(String, JSONValue)]
        if let record = runtime.registry.record(remote.connectionId),
            case .object(let local) = AdminJSON.connection(record, subscriptions: runtime.registry.subscriptions(of: remote.connectionId) ?? [])
        {
            members = Array(local)
        } else {
            members = [
                ("connectionId", .string(remote.connectionId)),
                ("sourceIp", .string(remote.sourceIp)),
                ("userAgent", .string(remote.userAgent)),
                ("stage", .null),
                ("connectedAt", AdminJSON.time(remote.connectedAt)),
                ("lastActiveAt", AdminJSON.time(remote.connectedAt)),
                ("userId", remote.userId.map { .string($0) } ?? .null),
                ("claims", .null),
            ]
        }
        members.append(("node", .string(remote.node)))
        return AdminJSON.object(members)
    }

    private func unavailableOnFailure<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw AdminError(status: .serviceUnavailable, code: "ServiceUnavailable", message: "PostgreSQL cannot be reached; retry later.")
        }
    }
}
