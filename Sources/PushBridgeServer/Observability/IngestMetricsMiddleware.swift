import HTTPTypes
import Hummingbird
import NIOCore
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
        case "/": return request.headers[.init("X-Amz-Target")!] == "AWSEvents.PutEvents"
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
                headers: [.contentType: contentType, .init("x-amzn-ErrorType")!: "ServiceUnavailable", .retryAfter: "5"],
                body: .init(byteBuffer: ByteBuffer(string: body.jsonText))
            )
        }
        var response = try await next(request, context)
        guard response.status == .ok else {
            metrics.eventsRejected(code: response.headers[.init("x-amzn-ErrorType")!] ?? "HTTP\(response.status.code)")
            return response
        }
        let metrics = self.metrics
        response.body = response.body.map { buffer in
            Self.count(buffer, into: metrics)
            return buffer
        }
        return response
    }

    /// Counts the entries of a PutEvents result: an `EventId` is ingested, an `ErrorCode` a rejection.
    static func count(_ buffer: ByteBuffer, into metrics: PushBridgeMetrics) {
        guard let json = try? JSONParser.parse(Array(buffer.readableBytesView)), let entries = json["Entries"]?.arrayValue else { return }
        var ingested = 0
        var rejected: [String: Int] = [:]
        for entry in entries {
            if entry["EventId"]?.stringValue != nil {
                ingested += 1
            } else {
                rejected[entry["ErrorCode"]?.stringValue ?? "Unknown", default: 0] += 1
            }
        }
        metrics.eventsIngested(ingested)
        for (code, count) in rejected { metrics.eventsRejected(code: code, count: count) }
    }
}
