/// How the authorizer decided one `$connect`, and so how the handshake is answered.
public enum AuthorizerOutcome: Sendable, Equatable, CustomStringConvertible {
    /// Upgrade; the principal id is the connection's user id and the context is kept with it.
    case allowed(AuthenticatedIdentity)
    /// 403, as API Gateway answers a policy that does not allow.
    case denied
    /// 401: the identity source is missing, or the webhook answered 401 (a Lambda authorizer's "Unauthorized").
    case unauthorized
    /// 500: no usable answer (a timeout, an unreachable webhook, another status, a body not of the policy's shape).
    case failed(String)

    public var description: String {
        switch self {
        case .allowed(let identity): "allowed as \(identity.userId)"
        case .denied: "denied by the policy"
        case .unauthorized: "unauthorized"
        case .failed(let reason): "authorizer failed: \(reason)"
        }
    }
}
