/// Per-request switches; they mirror the `normalize`, `sign_body` and `omit_session_token` flags of the official
/// test suite's `context.json`.
public struct SigningOptions: Sendable, Equatable {
    /// Remove `.`/`..` segments and collapse `//` in the canonical URI. Every service but S3 expects this;
    /// `false` keeps the path as sent (S3 style).
    public var normalizePath: Bool
    /// Add (and sign) `x-amz-content-sha256` with the payload hash, as S3 and some streaming APIs require.
    public var signBody: Bool
    /// Send `X-Amz-Security-Token` without signing it. A few services (IoT, historically) want the token added
    /// after signing; everything PushBridge talks to wants it signed, hence the default.
    public var omitSessionToken: Bool

    public init(normalizePath: Bool = true, signBody: Bool = false, omitSessionToken: Bool = false) {
        self.normalizePath = normalizePath
        self.signBody = signBody
        self.omitSessionToken = omitSessionToken
    }
}
