import Crypto

/// A request whose signature parameters, clock, scope and access key passed ``SigV4Verifier/check(_:now:)``: what
/// remains is the payload hash and the signature itself, once the body has been read.
public struct PendingSignature: Sendable {
    enum Payload: Sendable, Equatable {
        /// The body's SHA-256, which must equal `declared` when the client sent `x-amz-content-sha256`.
        case bodySHA256(declared: String?)
        /// `UNSIGNED-PAYLOAD`, where the policy accepts it: the body is not covered.
        case unsigned
    }

    /// The access key the request was signed with (known to the verifier).
    public let accessKeyId: String
    let form: SignatureClaim.Form
    let method: String
    let path: String
    let canonicalQuery: String
    let signedHeaders: [(name: String, value: String)]
    let payload: Payload
    let amzDate: String
    let scope: String
    let presentedSignature: String
    let normalizePath: Bool
    let signingKey: @Sendable () -> SymmetricKey

    /// Whether ``verify(payloadSHA256:)`` will ask for the body's hash (not with `UNSIGNED-PAYLOAD`).
    public var needsPayloadHash: Bool { payload != .unsigned }

    /// Recomputes the signature and compares it with the one presented, in constant time.
    /// - Parameter payloadSHA256: the body's lowercase hex SHA-256; called at most once, and not at all for
    ///   `UNSIGNED-PAYLOAD`.
    public func verify(payloadSHA256: () -> String) -> Result<VerifiedSignature, SigV4Failure> {
        let payloadHash: String
        switch payload {
        case .unsigned:
            payloadHash = "UNSIGNED-PAYLOAD"
        case .bodySHA256(let declared):
            payloadHash = payloadSHA256()
            if let declared, declared != payloadHash {
                return .failure(SigV4Failure(.invalidSignature, "The provided 'x-amz-content-sha256' header does not match what was computed."))
            }
        }
        let canonical = CanonicalRequest(
            method: method,
            path: path,
            query: canonicalQuery,
            headers: signedHeaders,
            payloadHash: payloadHash,
            normalizePath: normalizePath
        )
        let stringToSign = [SigV4Signer.algorithm, amzDate, scope, SigV4Signer.sha256Hex(Array(canonical.text.utf8))].joined(separator: "\n")
        let expected = SigningKey.signature(of: stringToSign, with: signingKey())
        guard ConstantTime.isEqual(expected.utf8, presentedSignature.utf8) else { return .failure(.signatureMismatch) }
        return .success(VerifiedSignature(accessKeyId: accessKeyId, isPresigned: form == .query, canonicalRequest: canonical.text))
    }
}

/// A request whose signature matched.
public struct VerifiedSignature: Sendable, Equatable {
    /// Who signed it.
    public let accessKeyId: String
    /// Signed in the query (a presigned URL) rather than in the `Authorization` header.
    public let isPresigned: Bool
    /// What was signed, for debugging a client.
    public let canonicalRequest: String
}
