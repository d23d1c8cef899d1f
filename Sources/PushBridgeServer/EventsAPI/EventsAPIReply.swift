import PushBridgeCore
import PushBridgeJSON

/// An Events API answer before it is put in HTTP terms, so that the router and ``PutEventsChannelHandler`` send
/// the same status, headers and body.
struct EventsAPIReply: Sendable, Equatable {
    var status: Int
    var contentType: String
    var requestId: String
    /// `x-amzn-ErrorType`, on errors only.
    var errorType: String?
    /// `Retry-After` in seconds, when the server asks the client to come back later.
    var retryAfter: Int?
    var body: String
    /// `WWW-Authenticate`, on 401 answers only.
    var wwwAuthenticate: String? = nil

    static func success(_ body: String, contentType: String) -> EventsAPIReply {
        EventsAPIReply(status: 200, contentType: contentType, requestId: UUIDRequestId.next(), errorType: nil, retryAfter: nil, body: body)
    }

    /// awsJson1_1 error: `{"__type":"Code","message":"…"}`.
    static func error(_ error: AWSServiceError, contentType: String, retryAfter: Int? = nil) -> EventsAPIReply {
        let body: JSONValue = ["__type": .string(error.code), "message": .string(error.message)]
        return EventsAPIReply(
            status: error.httpStatus,
            contentType: contentType,
            requestId: UUIDRequestId.next(),
            errorType: error.code,
            retryAfter: retryAfter,
            body: body.jsonText
        )
    }
}

/// Request ids in the UUID form AWS uses for `x-amzn-RequestId`.
enum UUIDRequestId {
    static func next() -> String { UUIDText.random() }
}
