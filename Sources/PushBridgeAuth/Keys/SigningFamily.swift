/// The kinds of key a token's `alg` can be checked with. A token is only ever verified with a key of the family its
/// `alg` names, so an HS256 token is never checked against an RSA public key (algorithm confusion), and `none` has
/// no family at all.
public enum SigningFamily: String, Sendable, Equatable {
    case hmac
    case rsa
    case ellipticCurve
    case edwardsCurve

    /// The family of an `alg` PushBridge accepts, or nil (`none`, unknown, or encryption algorithms).
    public init?(algorithm: String) {
        switch algorithm {
        case "HS256", "HS384", "HS512": self = .hmac
        case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512": self = .rsa
        case "ES256", "ES384", "ES512": self = .ellipticCurve
        case "EdDSA": self = .edwardsCurve
        default: return nil
        }
    }

    /// The family of a JWK's `kty`.
    init?(keyType: String) {
        switch keyType {
        case "RSA": self = .rsa
        case "EC": self = .ellipticCurve
        case "OKP": self = .edwardsCurve
        default: return nil
        }
    }
}
