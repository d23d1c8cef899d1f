import HTTPTypes
import Hummingbird
import NIOCore
import PushBridgeCore
import PushBridgeJSON

/// Watches PutEvents (`POST /` with `X-Amz-Target: AWSEvents.PutEvents`, and `POST /events`): counts entries
/// ingested and rejected by error code, and refuses new events once the server is draining.
struct IngestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: PushBridgeMetrics
    let readiness: Readiness

    static func isPutEvents(_ request: Request) -> Bool {
        guard request.method == .post else { return false }
        switch request.uri.path {
        case "/events": return true
        case "/": return request.headers[.amzTarget] == "AWSEvents.PutEvents"
        default: return false
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.isPutEvents(request) else { return try await next(request, context) }
        if readiness.isDraining {
            metrics.eventsRejected(code: "ServiceUnavailable")
            let body: JSONValue = ["__type": "ServiceUnavailable", "message": "PushBridge is shutting down; retry the request shortly."]
            let contentType = request.uri.path == "/events" ? "application/json" : "application/x-amz-json-1.1"
            return Response(
                status: .serviceUnavailable,
                headers: [.contentType: contentType, .amznErrorType: "ServiceUnavailable", .retryAfter: "5"],
                body: .init(byteBuffer: ByteBuffer(string: body.jsonText))
            )
        }
        // Whole-request failures are counted here; per-entry results by ``IngestMetrics`` as ingest decides them.
        let response = try await next(request, context)
        if response.status != .ok {
            metrics.eventsRejected(code: response.headers[.amznErrorType] ?? "HTTP\(response.status.code)")
        }
        return response
    }
}

/// Counts PutEvents entries ingested and rejected by error code.
struct IngestMetrics: IngestObserver {
    let metrics: PushBridgeMetrics

    func accepted(_ count: Int) { metrics.eventsIngested(count) }
    func rejected(code: String, count: Int) { metrics.eventsRejected(code: code, count: count) }
}
