import PushBridgeJSON

/// Who a verified token says connected: the user id (from ``UserIdClaim``) and all the token's claims.
public struct AuthenticatedIdentity: Sendable, Equatable {
    public let userId: String
    public let claims: JSONObject

    public init(userId: String, claims: JSONObject) {
        self.userId = userId
        self.claims = claims
    }
}
