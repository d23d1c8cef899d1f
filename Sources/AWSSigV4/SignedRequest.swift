/// The result of header-based signing: the headers to add, plus the intermediate strings so that a signature
/// mismatch reported by AWS can be debugged by diffing them against the service's error message.
public struct SignedRequest: Sendable {
    /// Headers to add to the request, in this order: `X-Amz-Security-Token` (session credentials only),
    /// `X-Amz-Date`, `x-amz-content-sha256` (when `signBody` asked for it) and `Authorization`.
    public var headers: [(name: String, value: String)]
    /// The request's own headers without any stale `Authorization`, `X-Amz-Date` or `X-Amz-Security-Token`
    /// (the signer owns those), followed by `headers`: everything that should go on the wire.
    public var allHeaders: [(name: String, value: String)]
    /// The full `Authorization` header value.
    public var authorization: String
    /// `;`-joined lowercase names of the signed headers.
    public var signedHeaders: String
    public var canonicalRequest: String
    public var stringToSign: String
    /// Lowercase hex HMAC-SHA256 of `stringToSign`.
    public var signature: String
}
