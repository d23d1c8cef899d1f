/// Why a token was refused (answered 403). Logged at debug level; the token itself never is.
public enum TokenRejection: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(UnverifiedToken.Malformed)
    /// `none`, an unknown `alg`, or one for which no key is configured.
    case algorithmNotAccepted(String)
    case unknownKeyId(String)
    /// The `kid` names a key used with another algorithm.
    case algorithmMismatch(kid: String, expected: String, got: String)
    case signatureInvalid
    case claims(ClaimChecks.Failure)
    case noUserId(path: String)

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed token (\(reason))"
        case .algorithmNotAccepted(let algorithm): "algorithm \(algorithm) is not accepted"
        case .unknownKeyId(let kid): "no key with kid \(kid)"
        case .algorithmMismatch(let kid, let expected, let got): "key \(kid) verifies \(expected), the token says \(got)"
        case .signatureInvalid: "the signature does not verify"
        case .claims(let failure): failure.description
        case .noUserId(let path): "no user id (a non-empty string) at \(path)"
        }
    }
}
