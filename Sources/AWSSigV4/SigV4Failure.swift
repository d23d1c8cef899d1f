/// Why an inbound request's signature was refused, with the error code and message AWS's JSON services send for it
/// (the code is what botocore and the CLI show as the error's name).
public struct SigV4Failure: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No `Authorization: AWS4-…` header and no `X-Amz-Algorithm` query parameter.
        case missingAuthenticationToken
        /// A part is missing or malformed: a parameter, the credential, the date, the algorithm.
        case incompleteSignature
        /// The access key id is not one of the configured ones.
        case unrecognizedClient
        /// The signature, the credential scope or the payload hash do not match.
        case invalidSignature
        /// The signing time is too far from the server's clock, or a presigned URL expired.
        case expired
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The AWS error code (`__type`, `x-amzn-ErrorType`).
    public var code: String {
        switch kind {
        case .missingAuthenticationToken: "MissingAuthenticationTokenException"
        case .incompleteSignature: "IncompleteSignatureException"
        case .unrecognizedClient: "UnrecognizedClientException"
        case .invalidSignature, .expired: "InvalidSignatureException"
        }
    }

    public var description: String { "\(code): \(message)" }

    static let missingToken = SigV4Failure(.missingAuthenticationToken, "Request is missing Authentication Token")
    static let unknownAccessKey = SigV4Failure(.unrecognizedClient, "The security token included in the request is invalid.")
    static let signatureMismatch = SigV4Failure(
        .invalidSignature,
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key "
            + "and signing method. Consult the service documentation for details."
    )
}
