import AWSSigV4
import PushBridgeCore

/// The Events API's answers to requests that fail authentication: AWS's awsJson error shape for signatures (on
/// `POST /` and `POST /events` alike), and 401 with `WWW-Authenticate` for a missing or unknown bearer token.
extension EventsAPIEndpoint {
    /// The answer refusing a request by its head alone (no or unknown credentials, a malformed or stale
    /// signature), so that its body is never read; nil when the body is needed to decide, or it may proceed.
    func refusalBeforeBody(target: String?, contentType: String, head: InboundRequestHead) -> EventsAPIReply? {
        guard let authentication else { return nil }
        let check = contentType == Self.plainJSON ? authentication.checkIngestHead(head) : authentication.checkSignedHead(head, api: .events)
        guard case .refused(let refusal) = check else { return nil }
        let reply = Self.reply(refusing: refusal, contentType: contentType)
        if target == Self.putEventsTarget, let errorType = reply.errorType { metrics.eventsRejected(code: errorType) }
        return reply
    }

    /// The answer refusing this request, or nil when it may proceed.
    func authenticationRefusal(of request: () -> InboundRequestHead, body: Body, contentType: String) -> EventsAPIReply? {
        guard let authentication else { return nil }
        let api: InboundAuthentication.API = contentType == Self.plainJSON ? .ingest : .events
        let head = request()
        let check = api == .ingest ? authentication.checkIngestHead(head) : authentication.checkSignedHead(head, api: .events)
        switch check {
        case .refused(let refusal):
            return Self.reply(refusing: refusal, contentType: contentType)
        case .proceed(nil):
            return nil
        case .proceed(let pending?):
            // A body over the limit was not kept, so it cannot be hashed; it is refused as too large anyway.
            guard case .bytes(let buffer) = body else { return nil }
            return authentication.finish(pending, body: buffer, api: api).map { Self.reply(refusing: .signature($0), contentType: contentType) }
        }
    }

    static func reply(refusing refusal: InboundAuthentication.Refusal, contentType: String) -> EventsAPIReply {
        let bearerMessage: String
        switch refusal {
        case .signature(let failure):
            return .error(AWSServiceError(code: failure.code, message: failure.message), contentType: contentType)
        case .missingBearerToken:
            bearerMessage = "Missing bearer token: send 'Authorization: Bearer TOKEN' with a token of the server's --ingest-tokens-file."
        case .unknownBearerToken:
            bearerMessage = "Unknown bearer token: it is not in the server's --ingest-tokens-file."
        }
        var reply = EventsAPIReply.error(
            AWSServiceError(code: "UnauthorizedException", message: bearerMessage, httpStatus: 401),
            contentType: contentType
        )
        reply.wwwAuthenticate =
            refusal == .unknownBearerToken ? #"Bearer realm="pushbridge-ingest", error="invalid_token""# : #"Bearer realm="pushbridge-ingest""#
        return reply
    }
}
