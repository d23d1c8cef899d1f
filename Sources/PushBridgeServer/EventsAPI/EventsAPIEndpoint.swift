import AWSSigV4
import Logging
import NIOCore
import PushBridgeCore
import PushBridgeJSON
import PushBridgePostgres

/// Where every Events API request body is answered, whichever path brought it: the router, or
/// ``PutEventsChannelHandler`` for PutEvents. Refuses PutEvents while the server drains and counts PutEvents
/// rejected as a whole (entries are counted by ``IngestMetrics`` as ingest decides them).
struct EventsAPIEndpoint: Sendable {
    static let putEventsTarget = "AWSEvents.PutEvents"
    /// `POST /` speaks awsJson1_1 (the AWS CLI and SDKs); `POST /events` is PutEvents in plain JSON, for curl.
    static let awsJSON11 = "application/x-amz-json-1.1"
    static let plainJSON = "application/json"

    enum Body {
        case bytes(ByteBuffer)
        /// Longer than ``bodyLimit``: answered without being parsed (the bytes past the limit are discarded).
        case tooLarge
        /// Ended before its `Content-Length` or final chunk: the client stopped sending.
        case incomplete

        init(_ read: Result<ByteBuffer, BodyReadFailure>) {
            switch read {
            case .success(let buffer): self = .bytes(buffer)
            case .failure(.tooLarge): self = .tooLarge
            case .failure(.incomplete): self = .incomplete
            }
        }
    }

    let api: EventsAPI
    let metrics: PushBridgeMetrics
    let readiness: Readiness
    let logger: Logger
    /// Set when `--aws-credentials-file` or `--ingest-tokens-file` is: every request is checked first.
    var authentication: InboundAuthentication? = nil
    /// `--put-events-rate`; nil when off.
    var putEventsRateLimiter: PutEventsRateLimiter? = nil

    /// JSON escaping can double a detail's size; anything beyond is certainly over the entries limit.
    var bodyLimit: Int { max(1024 * 1024, api.runtime.configuration.maximumPutEventsSize * 4) }

    /// Answers through `completion`: at once, or once the store committed what the request changed (the accepted
    /// entries of a PutEvents, a rule or target of the other operations), from the store's thread.
    /// - Parameters:
    ///   - target: the `X-Amz-Target` header; nil when it is missing.
    ///   - request: the request's head, read only when authentication is on.
    ///   - clientAddress: the client's IP address: who a PutEvents counts against when authentication proves no caller.
    func reply(
        target: String?,
        body: Body,
        contentType: String,
        request: @autoclosure () -> InboundRequestHead,
        clientAddress: @autoclosure () -> String = "",
        completion: @escaping @Sendable (EventsAPIReply) -> Void
    ) {
        let caller: PutEventsRateLimiter.Caller?
        switch authenticate(request, body: body, contentType: contentType) {
        case .refused(let refusal):
            if target == Self.putEventsTarget, let errorType = refusal.errorType { metrics.eventsRejected(code: errorType) }
            return completion(refusal)
        case .proceeds(let proven):
            caller = proven
        }
        guard let target else {
            let error = AWSServiceError(
                code: "UnknownOperationException",
                message: "Missing X-Amz-Target header; this endpoint speaks awsJson1_1."
            )
            return completion(.error(error, contentType: contentType))
        }
        guard target == Self.putEventsTarget else {
            // Cluster mode: what another node changed a moment ago is applied first, so PutRule on one node and
            // PutTargets on the next (a load balancer's round robin) work as on one server.
            if let cluster = api.runtime.cluster {
                Task {
                    await cluster.catchUpWithConfiguration()
                    perform(target: target, body: body, contentType: contentType, completion: completion)
                }
                return
            }
            return perform(target: target, body: body, contentType: contentType, completion: completion)
        }
        if readiness.isDraining {
            metrics.eventsRejected(code: "ServiceUnavailable")
            let error = AWSServiceError(
                code: "ServiceUnavailable",
                message: "PushBridge is shutting down; retry the request shortly.",
                httpStatus: 503
            )
            return completion(.error(error, contentType: contentType, retryAfter: 5))
        }
        var admit: (Int) -> Int = { $0 }
        if let putEventsRateLimiter { admit = admission(putEventsRateLimiter, for: caller ?? .address(clientAddress())) }
        perform(target: target, body: body, contentType: contentType, admit: admit) { [metrics] reply in
            if let errorType = reply.errorType { metrics.eventsRejected(code: errorType) }
            completion(reply)
        }
    }

    func reply(
        target: String?,
        body: Body,
        contentType: String,
        request: @autoclosure () -> InboundRequestHead,
        clientAddress: @autoclosure () -> String = ""
    ) async -> EventsAPIReply {
        await withCheckedContinuation { continuation in
            reply(target: target, body: body, contentType: contentType, request: request(), clientAddress: clientAddress()) {
                continuation.resume(returning: $0)
            }
        }
    }

    /// How many entries of a PutEvents from `caller` its rate lets through (counting those it does not).
    private func admission(_ limiter: PutEventsRateLimiter, for caller: PutEventsRateLimiter.Caller) -> (Int) -> Int {
        { [metrics] count in
            let admitted = limiter.admit(count, from: caller)
            metrics.rateLimited(.putEvents, count: count - admitted)
            return admitted
        }
    }

    private func perform(
        target: String,
        body: Body,
        contentType: String,
        admit: (Int) -> Int = { $0 },
        completion: @escaping @Sendable (EventsAPIReply) -> Void
    ) {
        do throws(AWSServiceError) {
            let buffer: ByteBuffer
            switch body {
            case .bytes(let bytes): buffer = bytes
            case .incomplete: throw .serialization("The request body ended before its declared length; send the whole body.")
            case .tooLarge:
                guard target == Self.putEventsTarget else {
                    throw .validation("The request body is larger than this server's limit of \(bodyLimit) bytes.")
                }
                throw .validation("Total size of the entries in the request is over the limit.")
            }
            let parsed = buffer.withUnsafeReadableBytes { bytes in
                Result { () throws(JSONParseError) in try JSONParser.parse(bytes: bytes.assumingMemoryBound(to: UInt8.self)) }
            }
            let json: JSONValue
            switch parsed {
            case .success(let value): json = value
            case .failure(let error): throw .serialization("Request body is not valid JSON: \(error.description)")
            }
            if target == Self.putEventsTarget {
                return try api.putEvents(json, admit: admit) { completion(.success($0, contentType: contentType)) }
            }
            let text = try api.perform(target: target, body: json)
            let store = api.runtime.router.store
            guard store.isDurable, EventsAPI.changesState(target) else { return completion(.success(text, contentType: contentType)) }
            // What the operation changed is recorded before the client hears it was done.
            store.submit([]) { [logger] outcome in
                switch outcome {
                case .success: completion(.success(text, contentType: contentType))
                case .failure(let error):
                    logger.error("A change could not be recorded", metadata: ["pb.target": "\(target)", "pb.reason": "\(error)"])
                    completion(
                        .error(.internalFailure("The change was made but could not be recorded durably (\(error.reason))."), contentType: contentType)
                    )
                }
            }
        } catch {
            logger.debug("Events API request rejected", metadata: ["pb.target": "\(target)", "pb.error": "\(error.code)"])
            completion(.error(error, contentType: contentType))
        }
    }
}
