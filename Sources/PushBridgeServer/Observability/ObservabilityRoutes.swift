import Hummingbird
import NIOCore
import PushBridgeJSON

/// `/metrics` (Prometheus text format), `/healthz` (the process is up) and `/readyz` (taking traffic; 503 while
/// draining). None needs the admin token: they reveal counts, never contents.
struct ObservabilityRoutes {
    let runtime: PushBridgeRuntime
    let metrics: PushBridgeMetrics
    let readiness: Readiness

    func register(on router: Router<PushBridgeRequestContext>) {
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.render(runtime: runtime)))
            )
        }
        router.get("/healthz") { _, _ in Self.status(.ok, #"{"status":"ok"}"#) }
        router.get("/readyz") { _, _ in
            let draining = readiness.isDraining
            guard let cluster = runtime.cluster else {
                return draining ? Self.status(.serviceUnavailable, #"{"status":"draining"}"#) : Self.status(.ok, #"{"status":"ready"}"#)
            }
            // Cluster mode: every node's health too. PostgreSQL away does not make a node unready: its sockets are
            // served, and every other node shares the same database.
            let body = AdminJSON.object([("status", .string(draining ? "draining" : "ready"))] + ClusterStatusJSON.members(cluster))
            return Self.status(draining ? .serviceUnavailable : .ok, body.jsonText)
        }
    }

    static func status(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body + "\n")))
    }
}
