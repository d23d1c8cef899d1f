import Hummingbird
import NIOCore

/// On the WebSocket router: refuses new sockets while draining, counts upgrades, and counts each socket's
/// close when its channel closes.
struct WebSocketMetricsMiddleware: RouterMiddleware {
    typealias Context = PushBridgeRequestContext

    let metrics: PushBridgeMetrics
    let readiness: Readiness

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if readiness.isDraining {
            return Response(
                status: .serviceUnavailable,
                headers: [.retryAfter: "5", .contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: #"{"message":"Service Unavailable: server shutting down"}"#))
            )
        }
        let response = try await next(request, context)
        if response.status == .ok {
            metrics.connectionOpened()
            let metrics = self.metrics
            let readiness = self.readiness
            context.channel.closeFuture.whenComplete { _ in metrics.connectionClosed(draining: readiness.isDraining) }
        }
        return response
    }
}
