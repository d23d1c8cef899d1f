import AWSSigV4
import Hummingbird
import Logging
import NIOCore
import PushBridgeAuth
import PushBridgeCore
import PushBridgeJSON
import Synchronization

/// What the console needs beyond the operator API: the server's settings, the Events API with the admin token in
/// place of SigV4, and a test event that says where it went.
extension AdminRoutes {
    /// `GET /admin/info`: where sockets connect and whether `$connect` needs a token.
    func info(_ request: Request, _ context: Context) async throws -> Response {
        let configuration = runtime.configuration
        return AdminResponses.json(
            AdminJSON.object([
                ("stage", .string(configuration.stage)),
                ("region", .string(configuration.account.region)),
                ("accountId", .string(configuration.account.accountId)),
                ("connectNeedsToken", .bool(configuration.jwt.isEnabled)),
                ("connectAuthorizer", .bool(configuration.authorizer != nil)),
                ("webSocketTargetArn", .string(configuration.account.webSocketTargetArn)),
            ])
        )
    }

    /// The operations `/admin/events-api/{operation}` runs.
    static var eventsOperations: [String] { (["PutEvents"] + EventsAPI.operations.keys).sorted() }

    /// `POST /admin/events-api/{operation}`: an EventBridge operation, answered as the Events API answers it
    /// (`{"__type":…,"message":…}` on failure), with the admin token standing in for the Events API's own
    /// authentication. The console manages rules and targets through it.
    func eventsAPI(_ request: Request, _ context: Context) async throws -> Response {
        let operation = Self.parameter("operation", context)
        guard Self.eventsOperations.contains(operation) else {
            throw AdminError.notFound("No Events API operation '\(operation)'; one of \(Self.eventsOperations.joined(separator: ", ")).")
        }
        var endpoint = eventsEndpoint
        endpoint.authentication = nil
        endpoint.putEventsRateLimiter = nil
        var body = EventsAPIEndpoint.Body(await request.body.collectWhole(upTo: endpoint.bodyLimit))
        if case .bytes(let buffer) = body, buffer.readableBytes == 0 { body = .bytes(ByteBuffer(string: "{}")) }
        return await endpoint.reply(
            target: "AWSEvents.\(operation)",
            body: body,
            contentType: EventsAPIEndpoint.plainJSON,
            request: InboundRequestHead(request.head)
        ).response
    }

    /// `POST /admin/test-event`: one PutEvents entry (`Source`, `DetailType`, `Detail`, optionally `EventBusName`,
    /// `Resources`, `Time`), published for real, answered with its id and the (rule, target) pairs it was queued for.
    func testEvent(_ request: Request, _ context: Context) async throws -> Response {
        guard !eventsEndpoint.readiness.isDraining else {
            throw AdminError(status: .serviceUnavailable, code: "ServiceUnavailable", message: "PushBridge is shutting down; no event is taken.")
        }
        let entry = try await AdminQuery.body(request, context: context)
        let putEvents: PutEventsRequest
        do {
            // Checked against AWS's model as a PutEvents of this one entry is, then parsed the same way.
            let body = AdminJSON.object([("Entries", .array([.object(entry)]))])
            try EventsAPI.requestValidator.validate(body, operation: "PutEvents")
            putEvents = try PutEventsRequest(json: body)
        } catch {
            throw AdminError(status: .badRequest, code: error.code, message: error.message)
        }
        let recorder = RouteRecorder()
        let response = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<EventIngest.Response, any Error>) in
            do throws(AWSServiceError) {
                try runtime.ingest.putEvents(putEvents, prepared: { recorder.record($0.deliveries) }) { continuation.resume(returning: $0) }
            } catch {
                continuation.resume(throwing: AdminError(status: .badRequest, code: error.code, message: error.message))
            }
        }
        switch response.entries.first {
        case .accepted(let eventId):
            let matched = recorder.deliveries.map { message in
                AdminJSON.object([
                    ("bus", .string(message.target.busName)),
                    ("rule", .string(message.target.ruleName)),
                    ("ruleArn", .string(message.ruleArn)),
                    ("targetId", .string(message.target.targetId)),
                    ("targetArn", .string(message.targetArn)),
                ])
            }
            context.logger.notice("Test event published by operator", metadata: ["pb.event.id": "\(eventId)", "pb.matched": "\(matched.count)"])
            return AdminResponses.json(AdminJSON.object([("eventId", .string(eventId)), ("matched", .array(matched))]))
        case .failed(let code, let message):
            throw AdminError(status: .badRequest, code: code, message: message)
        case nil:
            throw AdminError.badRequest("Give one event: Source, DetailType and Detail.")
        }
    }
}

/// Where a test event's deliveries are noted while it is published.
private final class RouteRecorder: Sendable {
    private let recorded = Mutex<[DeliveryMessage]>([])

    func record(_ deliveries: [DeliveryMessage]) { recorded.withLock { $0 += deliveries } }
    var deliveries: [DeliveryMessage] { recorded.withLock { $0 } }
}
