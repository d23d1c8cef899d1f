import HTTPTypes
import Hummingbird
import NIOCore
import PushBridgeCore
import PushBridgeJSON

/// Responses in the shapes the AWS SDKs parse.
enum AWSResponses {
    /// A JSON success body.
    static func json(_ value: JSONValue, requestId: String, contentType: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: contentType, .amznRequestId: requestId],
            body: .init(byteBuffer: ByteBuffer(string: value.jsonText))
        )
    }

    /// rest-json error (the @connections API): status, `x-amzn-ErrorType`, `{"message":…}`.
    static func restError(status: HTTPResponse.Status, type: String, message: String?, requestId: String) -> Response {
        let body: JSONValue = ["message": message.map { .string($0) } ?? .null]
        return Response(
            status: status,
            headers: [.contentType: "application/json", .amznErrorType: type, .amznRequestId: requestId],
            body: .init(byteBuffer: ByteBuffer(string: body.jsonText))
        )
    }
}

extension HTTPField.Name {
    static let amzTarget = Self("X-Amz-Target")!
    static let amznRequestId = Self("x-amzn-RequestId")!
    static let amznErrorType = Self("x-amzn-ErrorType")!
    static let secWebSocketProtocol = Self("Sec-WebSocket-Protocol")!
}
