import PushBridgeJSON

/// A compact JWS read without checking its signature: what the header asks for (`alg`, `kid`) and the claims.
///
/// Only used to choose a key and to read claims once jwt-kit has verified the same token; nothing here is
/// trusted before that.
public struct UnverifiedToken: Sendable, Equatable {
    public let algorithm: String
    public let keyId: String?
    public let claims: JSONObject

    public enum Malformed: Error, Sendable, Equatable {
        case tooLong
        case notThreeParts
        case headerNotJSONObject
        case missingAlgorithm
        case payloadNotJSONObject
    }

    /// Tokens nest little; a deep one is not a token we issued.
    static let maximumDepth = 32

    public init(_ token: String) throws(Malformed) {
        guard token.utf8.count <= TokenSource.maximumTokenLength else { throw .tooLong }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .notThreeParts }
        guard let headerBytes = Base64URL.decode(parts[0]),
            case .object(let header)? = try? JSONParser.parse(headerBytes, maximumDepth: Self.maximumDepth)
        else { throw .headerNotJSONObject }
        guard case .string(let algorithm)? = header["alg"] else { throw .missingAlgorithm }
        guard let payloadBytes = Base64URL.decode(parts[1]),
            case .object(let claims)? = try? JSONParser.parse(payloadBytes, maximumDepth: Self.maximumDepth)
        else { throw .payloadNotJSONObject }
        self.algorithm = algorithm
        self.keyId = header["kid"]?.stringValue
        self.claims = claims
    }
}
