import Foundation
import PushBridgeCore

/// What the gateway knows about one `$connect` while it is being authorized: the handshake as sent, where it came
/// from, and the ids the connection will carry if it is let in.
public struct ConnectRequest: Sendable {
    /// Header fields in the order sent, names as sent.
    public var headers: [(name: String, value: String)]
    /// The request target (path and query).
    public var uri: String
    public var sourceIp: String
    /// The connection id the socket gets when it is allowed in, so the authorizer sees the same id as later events.
    public var connectionId: String
    public var requestId: String
    public var time: Timestamp
    /// The host clients connected to (the `Host` header), as API Gateway reports its domain name.
    public var domainName: String
    public var stage: String

    public init(
        headers: [(name: String, value: String)],
        uri: String,
        sourceIp: String,
        connectionId: String,
        requestId: String,
        time: Timestamp,
        domainName: String,
        stage: String
    ) {
        self.headers = headers
        self.uri = uri
        self.sourceIp = sourceIp
        self.connectionId = connectionId
        self.requestId = requestId
        self.time = time
        self.domainName = domainName
        self.stage = stage
    }

    /// The last value of a header, by name in any case.
    public func header(_ name: String) -> String? {
        headers.last { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}
