/// The result of query-string signing (a presigned URL).
public struct PresignedRequest: Sendable {
    /// The `X-Amz-*` parameters to append to the URL, not yet percent-encoded, in the order AWS's own signers emit
    /// them: Algorithm, Credential, Date, SignedHeaders, Expires, Security-Token (session credentials only), Signature.
    public var queryItems: [(name: String, value: String)]
    /// The complete query to send: the request's original query followed by the encoded `queryItems`.
    public var query: String
    /// `;`-joined lowercase names of the signed headers; the caller must send exactly these headers.
    public var signedHeaders: String
    public var canonicalRequest: String
    public var stringToSign: String
    /// Lowercase hex HMAC-SHA256 of `stringToSign`.
    public var signature: String
}
