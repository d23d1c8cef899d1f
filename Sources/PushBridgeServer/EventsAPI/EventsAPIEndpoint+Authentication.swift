import AWSSigV4
import PushBridgeCore

/// The Events API's answers to requests that fail authentication: AWS's awsJson error shape for signatures (on
/// `POST /` and `POST /events` alike), and 401 with `WWW-Authenticate` for a missing or unknown bearer token.
extension EventsAPIEndpoint {
    /// The answer refusing a request by its head alone (no or unknown credentials, a malformed or stale
    /// signature), so that its body is never read; nil when the body is needed to decide, or it may proceed.
    func refusalBeforeBody(target: String?, contentType: String, head: InboundRequestHead) -> EventsAPIReply? {
        if let refusal = crossSiteRefusal(head, contentType: contentType) {
            if target == Self.putEventsTarget, let errorType = refusal.errorType { metrics.eventsRejected(code: errorType) }
            return refusal
        }
        guard let authentication else { return nil }
        let check = contentType == Self.plainJSON ? authentication.checkIngestHead(head) : authentication.checkSignedHead(head, api: .events)
        guard case .refused(let refusal) = check else { return nil }
        let reply = Self.reply(refusing: refusal, contentType: contentType)
        if target == Self.putEventsTarget, let errorType = reply.errorType { metrics.eventsRejected(code: errorType) }
        return reply
    }

    /// A web page on another site may not call the API through its visitor's browser (a form or `fetch` with
    /// `text/plain` needs no preflight): a request whose `Origin` is neither the server's own nor in
    /// `--allowed-origins` is refused. The CLI, the SDKs and curl send no `Origin`.
    func crossSiteRefusal(_ head: InboundRequestHead, contentType: String) -> EventsAPIReply? {
        guard let origin = head.firstValue(of: "origin") else { return nil }
        let configuration = api.runtime.configuration
        let ownOrigin = head.firstValue(of: "host").map { "\(configuration.tls == nil ? "http" : "https")://\($0)" }
        if OriginAllowList.trusts(origin, ownOrigin: ownOrigin, allowed: configuration.allowedOrigins) { return nil }
        let error = AWSServiceError(
            code: "AccessDeniedException",
            message: "Requests from the browser origin \(origin) are refused; list it in --allowed-origins to allow it.",
            httpStatus: 403
        )
        return .error(error, contentType: contentType)
    }

    /// What checking a request's authentication decided.
    enum Authentication {
        case refused(EventsAPIReply)
        /// It may proceed, from this caller (nil: nothing proved who it is).
        case proceeds(PutEventsRateLimiter.Caller?)
    }

    /// Checks the request; without authentication configured every request proceeds without a proven caller.
    func authenticate(_ request: () -> InboundRequestHead, body: Body, contentType: String) -> Authentication {
        guard let authentication else { return .proceeds(nil) }
        let api: InboundAuthentication.API = contentType == Self.plainJSON ? .ingest : .events
        let head = request()
        var tokenIndex: Int?
        let check: InboundAuthentication.HeadCheck
        if api == .ingest {
            (check, tokenIndex) = authentication.checkIngest(head)
        } else {
            check = authentication.checkSignedHead(head, api: .events)
        }
        switch check {
        case .refused(let refusal):
            return .refused(Self.reply(refusing: refusal, contentType: contentType))
        case .proceed(nil):
            return .proceeds(tokenIndex.map(PutEventsRateLimiter.Caller.ingestToken(index:)))
        case .proceed(let pending?):
            // A body over the limit was not kept, so it cannot be hashed; it is refused as too large anyway.
            guard case .bytes(let buffer) = body else { return .proceeds(nil) }
            if let failure = authentication.finish(pending, body: buffer, api: api) {
                return .refused(Self.reply(refusing: .signature(failure), contentType: contentType))
            }
            return .proceeds(.accessKey(pending.accessKeyId))
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
