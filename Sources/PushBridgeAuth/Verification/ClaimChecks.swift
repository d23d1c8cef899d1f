import Foundation
import PushBridgeJSON

/// The registered claims PushBridge checks once a token's signature holds (RFC 7519 §4.1), with a leeway for clock
/// skew between the token's issuer and this server. Pure: "now" is given.
public struct ClaimChecks: Sendable, Equatable {
    /// `iss` must equal this, when set.
    public var issuer: String?
    /// `aud` (a string or an array) must contain this, when set.
    public var audience: String?
    /// Allowed clock skew for `exp` and `nbf`.
    public var leeway: Duration

    public init(issuer: String? = nil, audience: String? = nil, leeway: Duration = .seconds(30)) {
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
    }

    /// Why claims were refused.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case missingExpiry
        case expired
        case notYetValid
        case wrongIssuer
        case wrongAudience
        case badClaim(String)

        public var description: String {
            switch self {
            case .missingExpiry: "the token has no exp claim"
            case .expired: "the token has expired"
            case .notYetValid: "the token is not valid yet (nbf)"
            case .wrongIssuer: "the token's iss is not the expected issuer"
            case .wrongAudience: "the token's aud does not name this server's audience"
            case .badClaim(let name): "the token's \(name) claim is not of the right type"
            }
        }
    }

    /// Checks `claims` at `now` (seconds since 1970). A token must expire: one without `exp` is refused.
    public func check(_ claims: JSONObject, now: Double) throws(Failure) {
        let leewaySeconds = Double(leeway.components.seconds)
        guard let expiry = claims["exp"] else { throw .missingExpiry }
        // NumericDate may be fractional (RFC 7519 §2); compared as Double, so no value can overflow.
        guard let expirySeconds = Self.seconds(expiry) else { throw .badClaim("exp") }
        guard now < expirySeconds + leewaySeconds else { throw .expired }
        if let notBefore = claims["nbf"] {
            guard let notBeforeSeconds = Self.seconds(notBefore) else { throw .badClaim("nbf") }
            guard notBeforeSeconds <= now + leewaySeconds else { throw .notYetValid }
        }
        if let issuer {
            guard claims["iss"]?.stringValue == issuer else { throw .wrongIssuer }
        }
        if let audience {
            switch claims["aud"] {
            case .string(let value)?: guard value == audience else { throw .wrongAudience }
            case .array(let values)?: guard values.contains(.string(audience)) else { throw .wrongAudience }
            default: throw .wrongAudience
            }
        }
    }

    private static func seconds(_ value: JSONValue) -> Double? {
        guard case .number(let number) = value, let seconds = number.double, seconds.isFinite else { return nil }
        return seconds
    }
}
