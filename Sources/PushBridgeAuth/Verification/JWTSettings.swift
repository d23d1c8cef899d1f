import PushBridgeCore

/// How `$connect` tokens are verified (`--jwt-…` and `--jwks`). Authentication is on when a secret or a JWKS is set.
public struct JWTSettings: Sendable {
    /// The HMAC secret for HS256/384/512 (`--jwt-secret` or `--jwt-secret-file`).
    public var secret: Secret?
    /// The JWKS for RS*, PS*, ES* and EdDSA tokens.
    public var jwks: JWKSLocation?
    public var checks = ClaimChecks()
    public var userIdClaim = UserIdClaim.subject
    /// How often a JWKS URL is fetched again.
    public var jwksRefreshInterval: Duration = .seconds(300)
    /// Where "now" is read for `exp` and `nbf`.
    public var clock = WallClock.system

    public init() {}

    public var isEnabled: Bool { secret != nil || jwks != nil }
}

/// A secret that never shows in logs, descriptions or dumps.
public struct Secret: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public init(_ text: String) { self.bytes = Array(text.utf8) }

    public var description: String { "<secret, \(bytes.count) bytes>" }
    public var debugDescription: String { description }

    /// HS256 needs a key at least as long as its hash (RFC 7518 §3.2): 32 bytes.
    public static let minimumBytes = 32
}
