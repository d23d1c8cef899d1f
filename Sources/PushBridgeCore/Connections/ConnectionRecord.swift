import PushBridgeJSON

/// What API Gateway keeps about a connection: who connected and when it was last active.
public struct ConnectionRecord: Sendable, Equatable {
    public let connectionId: String
    public let sourceIp: String
    public let userAgent: String
    public let connectedAt: Timestamp
    public var lastActiveAt: Timestamp
    /// The stage the client connected on (`dev` for `/dev`), or nil for the root path.
    public let stage: String?
    /// The user its `$connect` token named (what the sample's authorizer put in `context.userId`); nil without
    /// authentication.
    public let userId: String?
    /// Every claim of that token, for operators and subscribe policies.
    public let claims: JSONObject?

    public init(
        connectionId: String,
        sourceIp: String,
        userAgent: String,
        connectedAt: Timestamp,
        stage: String?,
        userId: String? = nil,
        claims: JSONObject? = nil
    ) {
        self.connectionId = connectionId
        self.sourceIp = sourceIp
        self.userAgent = userAgent
        self.connectedAt = connectedAt
        self.lastActiveAt = connectedAt
        self.stage = stage
        self.userId = userId
        self.claims = claims
    }
}
