import AWSSigV4
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /` with `X-Amz-Target` (what the AWS CLI and SDKs send) and `POST /events` (PutEvents for curl).
///
/// Most PutEvents requests never reach these routes: ``PutEventsChannelHandler`` answers them on the event loop.
/// The routes serve every other operation, and PutEvents whenever that handler passes a request on.
struct EventsAPIRoutes {
    let endpoint: EventsAPIEndpoint

    func register(on router: Router<PushBridgeRequestContext>) {
        router.post("/") { request, context in
            await self.respond(to: request, context, target: request.headers[.amzTarget], contentType: EventsAPIEndpoint.awsJSON11)
        }
        router.post("/events") { request, context in
            await self.respond(to: request, context, target: EventsAPIEndpoint.putEventsTarget, contentType: EventsAPIEndpoint.plainJSON)
        }
    }

    private func respond(
        to request: Request,
        _ context: PushBridgeRequestContext,
        target: String?,
        contentType: String
    ) async -> Response {
        if let refusal = endpoint.refusalBeforeBody(target: target, contentType: contentType, head: InboundRequestHead(request.head)) {
            return refusal.response
        }
        let body = EventsAPIEndpoint.Body(await request.body.collectWhole(upTo: endpoint.bodyLimit))
        return await endpoint.reply(
            target: target,
            body: body,
            contentType: contentType,
            request: InboundRequestHead(request.head),
            clientAddress: context.remoteAddress?.ipAddress ?? ""
        ).response
    }
}

extension EventsAPIReply {
    var response: Response {
        var headers: HTTPFields = [.contentType: contentType, .amznRequestId: requestId]
        if let errorType { headers[.amznErrorType] = errorType }
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if let wwwAuthenticate { headers[.wwwAuthenticate] = wwwAuthenticate }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
