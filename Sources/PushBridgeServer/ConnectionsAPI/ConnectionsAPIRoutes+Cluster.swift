import Hummingbird
import PushBridgeCore
import PushBridgeJSON
import PushBridgePostgres

/// Cluster mode: a connection this node does not hold may be held by another (its row in PostgreSQL says which).
extension ConnectionsAPIRoutes {
    /// PostToConnection of a socket on another node.
    func postRemote(_ id: String, frame: String) async -> Response {
        await remote(id) { cluster in try await cluster.postToRemote(id, frame: frame) ? .ok : nil }
    }

    /// DeleteConnection of a socket on another node.
    func deleteRemote(_ id: String) async -> Response {
        await remote(id) { cluster in try await cluster.disconnectRemote(id) ? .noContent : nil }
    }

    /// Runs `call` on the cluster for a connection this node does not hold: its status when another live node holds
    /// it, 410 when none does (or on a single node), 500 when PostgreSQL cannot be asked.
    private func remote(_ id: String, _ call: (ClusterNode) async throws -> HTTPResponse.Status?) async -> Response {
        guard let cluster = runtime.cluster else { return gone(id) }
        do {
            guard let status = try await call(cluster) else { return gone(id) }
            return Response(status: status, headers: [.amznRequestId: UUIDRequestId.next()])
        } catch {
            return unavailable()
        }
    }

    /// GetConnection of a socket on another node, from its row (lastActiveAt is the connection time there).
    func getRemote(_ id: String) async -> Response {
        guard let cluster = runtime.cluster else { return gone(id) }
        let found: ClusterConnections.Remote?
        do {
            found = try await cluster.remoteConnection(id)
        } catch {
            return unavailable()
        }
        guard let found else { return gone(id) }
        var members: [(String, JSONValue)] = [
            ("connectedAt", .string(found.connectedAt.iso8601Milliseconds)),
            ("identity", ["sourceIp": .string(found.sourceIp), "userAgent": .string(found.userAgent)]),
            ("lastActiveAt", .string(found.connectedAt.iso8601Milliseconds)),
        ]
        if let userId = found.userId { members.append(("userId", .string(userId))) }
        return AWSResponses.json(.object(JSONObject(members)), requestId: UUIDRequestId.next(), contentType: "application/json")
    }

    private func unavailable() -> Response {
        AWSResponses.restError(
            status: .internalServerError,
            type: "InternalServerErrorException",
            message: "The connection directory (PostgreSQL) cannot be reached; retry later.",
            requestId: UUIDRequestId.next()
        )
    }
}
