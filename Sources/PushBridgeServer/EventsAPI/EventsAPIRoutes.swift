import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PushBridgeCore
import PushBridgeJSON

/// `POST /` with `X-Amz-Target` (what the AWS CLI and SDKs send) and `POST /events` (PutEvents for curl).
struct EventsAPIRoutes {
    let api: EventsAPI
    let runtime: PushBridgeRuntime

    func register(on router: Router<PushBridgeRequestContext>) {
        router.post("/") { request, context in
            let requestId = UUIDRequestId.next()
            guard let target = request.headers[.amzTarget] else {
                return AWSResponses.error(
                    .init(code: "UnknownOperationException", message: "Missing X-Amz-Target header; this endpoint speaks awsJson1_1."),
                    requestId: requestId
                )
            }
            return await self.perform(target: target, request: request, context: context, requestId: requestId, contentType: AWSResponses.awsJSON11)
        }
        router.post("/events") { request, context in
            await self.perform(
                target: "AWSEvents.PutEvents",
                request: request,
                context: context,
                requestId: UUIDRequestId.next(),
                contentType: "application/json"
            )
        }
    }

    private func perform(
        target: String,
        request: Request,
        context: PushBridgeRequestContext,
        requestId: String,
        contentType: String
    ) async -> Response {
        do {
            let buffer = try await request.body.collect(upTo: bodyLimit)
            let parsed = buffer.withUnsafeReadableBytes { bytes in
                Result { () throws(JSONParseError) in try JSONParser.parse(bytes: bytes.assumingMemoryBound(to: UInt8.self)) }
            }
            let body: JSONValue
            do {
                body = try parsed.get()
            } catch {
                throw AWSServiceError.serialization("Request body is not valid JSON: \(error.description)")
            }
            let result = try api.perform(target: target, body: body)
            return AWSResponses.json(text: result, requestId: requestId, contentType: contentType)
        } catch let error as AWSServiceError {
            context.logger.debug("Events API request rejected", metadata: ["pb.target": "\(target)", "pb.error": "\(error.code)"])
            return AWSResponses.error(error, requestId: requestId, contentType: contentType)
        } catch {
            return AWSResponses.error(
                .validation("Total size of the entries in the request is over the limit."),
                requestId: requestId,
                contentType: contentType
            )
        }
    }

    /// JSON escaping can double a detail's size; anything beyond is certainly over the entries limit.
    private var bodyLimit: Int { max(1024 * 1024, runtime.configuration.maximumPutEventsSize * 4) }
}

/// Request ids in the UUID form AWS uses for `x-amzn-RequestId`.
enum UUIDRequestId {
    static func next() -> String { UUIDText.random() }
}
