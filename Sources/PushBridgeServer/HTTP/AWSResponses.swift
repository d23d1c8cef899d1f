import HTTPTypes
import Hummingbird
import NIOCore
import PushBridgeCore
import PushBridgeJSON

/// Responses in the shapes the AWS SDKs parse.
enum AWSResponses {
    static let awsJSON11 = "application/x-amz-json-1.1"

    /// An awsJson1_1 success body.
    static func json(_ value: JSONValue, requestId: String, contentType: String = awsJSON11) -> Response {
        json(text: value.jsonText, requestId: requestId, contentType: contentType)
    }

    /// An awsJson1_1 success body, already serialized.
    static func json(text: String, requestId: String, contentType: String = awsJSON11) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: contentType, .amznRequestId: requestId],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }

    /// awsJson1_1 error: `{"__type":"Code","message":"…"}`.
    static func error(_ error: AWSServiceError, requestId: String, contentType: String = awsJSON11) -> Response {
        let body: JSONValue = ["__type": .string(error.code), "message": .string(error.message)]
        return Response(
            status: .init(code: error.httpStatus),
            headers: [.contentType: contentType, .amznRequestId: requestId, .amznErrorType: error.code],
            body: .init(byteBuffer: ByteBuffer(string: body.jsonText))
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
