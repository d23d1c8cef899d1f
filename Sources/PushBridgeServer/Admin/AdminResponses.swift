import HTTPTypes
import Hummingbird
import NIOCore
import PushBridgeJSON

/// JSON responses of the admin API; errors are `{"error":{"code":…,"message":…}}`.
enum AdminResponses {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: value.jsonText + "\n"))
        )
    }

    static func error(_ error: AdminError) -> Response {
        var response = json(
            ["error": ["code": .string(error.code), "message": .string(error.message)]],
            status: error.status
        )
        if error.status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer realm=\"pushbridge-admin\"" }
        return response
    }
}

/// An admin request that cannot be served, with the status and the code a script can test.
struct AdminError: Error, Sendable {
    var status: HTTPResponse.Status
    var code: String
    var message: String

    static func badRequest(_ message: String) -> AdminError { .init(status: .badRequest, code: "BadRequest", message: message) }
    static func notFound(_ message: String) -> AdminError { .init(status: .notFound, code: "NotFound", message: message) }
}
