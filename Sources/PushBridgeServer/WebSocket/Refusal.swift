import HTTPTypes

/// How a WebSocket handshake that is not upgraded is answered: 400 on a path without sockets (as HummingbirdWebSocket
/// answers), 401 and 403 as API Gateway answers a missing or refused identity, 429 as it answers a throttled
/// `$connect`, 500 when the authorizer gave no usable answer, 503 while shutting down.
enum Refusal: Sendable, Equatable {
    case notAWebSocketPath
    case unauthorized
    case forbidden
    case authorizerFailed
    case draining
    case throttled

    init(_ decision: WebSocketGateway.UpgradeDecision) {
        switch decision {
        case .draining: self = .draining
        case .unauthorized: self = .unauthorized
        case .forbidden: self = .forbidden
        case .authorizerFailed: self = .authorizerFailed
        case .throttled: self = .throttled
        // An upgrade the upgrader still did not perform (or a token never verified) is a bad request.
        case .notAWebSocketPath, .upgrade, .authenticate, .authorize: self = .notAWebSocketPath
        }
    }

    var status: HTTPResponse.Status {
        switch self {
        case .notAWebSocketPath: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .authorizerFailed: .internalServerError
        case .draining: .serviceUnavailable
        case .throttled: .tooManyRequests
        }
    }

    var body: String {
        switch self {
        case .notAWebSocketPath: ""
        case .unauthorized: #"{"message":"Unauthorized"}"#
        case .forbidden: #"{"message":"Forbidden"}"#
        case .authorizerFailed: #"{"message":"Internal server error"}"#
        case .draining: #"{"message":"Service Unavailable: server shutting down"}"#
        case .throttled: #"{"message":"Too Many Requests"}"#
        }
    }
}
