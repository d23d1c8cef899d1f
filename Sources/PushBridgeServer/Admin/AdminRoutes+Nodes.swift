import Hummingbird
import PushBridgeJSON

/// `GET /admin/nodes`: the cluster's nodes (cluster mode), or this one node alone.
extension AdminRoutes {
    func nodes(_ request: Request, _ context: Context) async throws -> Response {
        guard let cluster = runtime.cluster else {
            return AdminResponses.json(AdminJSON.object([("cluster", .bool(false)), ("nodes", .array([]))]))
        }
        return AdminResponses.json(AdminJSON.object([("cluster", .bool(true))] + ClusterStatusJSON.members(cluster)))
    }
}
