import AWSSigV4
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PushBridgeCore
import PushBridgeJSON

/// API Gateway's Management API: `POST|GET|DELETE [/{stage}]/@connections/{id}`.
struct ConnectionsAPIRoutes {
    let runtime: PushBridgeRuntime
    /// Set when `--aws-credentials-file` or `--ingest-tokens-file` is: requests must be signed (service `execute-api`).
    var authentication: InboundAuthentication? = nil

    func register(on router: Router<PushBridgeRequestContext>) {
        for prefix in ["", "/\(runtime.configuration.stage)"] {
            router.post("\(prefix)/@connections/:id") { request, context in try await self.post(request, context: context) }
            router.get("\(prefix)/@connections/:id") { request, context in
                if let refused = await self.refusal(of: request) { return refused }
                return await self.get(context: context)
            }
            router.delete("\(prefix)/@connections/:id") { request, context in
                if let refused = await self.refusal(of: request) { return refused }
                return await self.delete(context: context)
            }
        }
    }

    /// API Gateway's answer to a request it cannot authenticate, whatever the reason (the log says which):
    /// 403 `ForbiddenException` `{"message":"Forbidden"}`, which boto3 raises as `ForbiddenException`.
    private func forbidden() -> Response {
        AWSResponses.restError(status: .forbidden, type: "ForbiddenException", message: "Forbidden", requestId: UUIDRequestId.next())
    }

    /// GetConnection and DeleteConnection carry no body, but a signature covers whatever body is sent: it is read
    /// (within the message limit) only when authentication is on.
    private func refusal(of request: Request) async -> Response? {
        guard let authentication else { return nil }
        guard case .proceed(let signature) = authentication.checkSignedHead(InboundRequestHead(request.head), api: .connections),
            let pending = signature
        else { return forbidden() }
        guard let body = try? await request.body.collect(upTo: runtime.configuration.maximumMessageSize) else { return tooLarge() }
        return authentication.finish(pending, body: body, api: .connections) == nil ? nil : forbidden()
    }

    private func tooLarge() -> Response {
        let limit = runtime.configuration.maximumMessageSize
        return AWSResponses.restError(
            status: .contentTooLarge,
            type: "PayloadTooLargeException",
            message: "Message too long: the limit is \(limit) bytes.",
            requestId: UUIDRequestId.next()
        )
    }

    /// The id as sent, percent-decoded (`=` arrives as `%3D`).
    private func connectionId(_ context: PushBridgeRequestContext) -> String {
        let raw = context.parameters.get("id") ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    func gone(_ id: String) -> Response {
        AWSResponses.restError(status: .gone, type: "GoneException", message: "Connection \(id) is gone.", requestId: UUIDRequestId.next())
    }

    /// PostToConnection: the raw body becomes one text frame on that socket.
    func post(_ request: Request, context: PushBridgeRequestContext) async throws -> Response {
        let id = connectionId(context)
        // The head is checked before the body is read; the body finishes the check once it is in.
        var pending: PendingSignature?
        if let authentication {
            guard case .proceed(let signature) = authentication.checkSignedHead(InboundRequestHead(request.head), api: .connections),
                let signature
            else { return forbidden() }
            pending = signature
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: runtime.configuration.maximumMessageSize)
        } catch {
            return tooLarge()
        }
        if let authentication, let pending, authentication.finish(pending, body: body, api: .connections) != nil { return forbidden() }
        // The body becomes a text frame, and RFC 6455 allows only UTF-8 in those.
        guard WebSocketConnectionHandler.isValidUTF8(body) else {
            return AWSResponses.restError(
                status: .badRequest,
                type: "BadRequestException",
                message: "Data must be valid UTF-8 text: it is sent to the connection as one text frame.",
                requestId: UUIDRequestId.next()
            )
        }
        guard let sink = runtime.registry.sink(id) else {
            return await postRemote(id, frame: String(buffer: body))
        }
        switch sink.send(text: body) {
        case .queued:
            runtime.registry.touch(id, at: .now())
            return Response(status: .ok, headers: [.amznRequestId: UUIDRequestId.next()])
        case .bufferFull:
            return AWSResponses.restError(
                status: .tooManyRequests,
                type: "LimitExceededException",
                message: "The connection's outbound buffer is full; retry later.",
                requestId: UUIDRequestId.next()
            )
        case .closed:
            return gone(id)
        }
    }

    /// GetConnection: lowercase keys and ISO-8601 times, as on the wire from AWS.
    func get(context: PushBridgeRequestContext) async -> Response {
        let id = connectionId(context)
        guard let record = runtime.registry.record(id) else { return await getRemote(id) }
        var members: [(String, JSONValue)] = [
            ("connectedAt", .string(record.connectedAt.iso8601Milliseconds)),
            ("identity", ["sourceIp": .string(record.sourceIp), "userAgent": .string(record.userAgent)]),
            ("lastActiveAt", .string(record.lastActiveAt.iso8601Milliseconds)),
        ]
        // PushBridge's additions for authenticated connections; the SDKs read only the members AWS defines.
        if let userId = record.userId { members.append(("userId", .string(userId))) }
        if let claims = record.claims { members.append(("claims", .object(claims))) }
        let body = JSONValue.object(JSONObject(members))
        return AWSResponses.json(body, requestId: UUIDRequestId.next(), contentType: "application/json")
    }

    /// DeleteConnection: the connection and its subscriptions are gone at once; the socket closes with 1000.
    func delete(context: PushBridgeRequestContext) async -> Response {
        let id = connectionId(context)
        guard let sink = runtime.registry.sink(id) else {
            return await deleteRemote(id)
        }
        runtime.registry.remove(id)
        sink.close(code: CloseCode.normal, reason: "Connection Closed Normally")
        return Response(status: .noContent, headers: [.amznRequestId: UUIDRequestId.next()])
    }
}
