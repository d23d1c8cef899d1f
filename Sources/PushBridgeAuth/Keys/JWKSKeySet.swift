import JWTKit
import PushBridgeJSON

/// The public keys of one JWKS document, ready for jwt-kit, with what each `kid` may verify.
///
/// Keys are read one by one: a key of a kind PushBridge does not verify with (`oct`, `enc` use, no `kid`) is
/// skipped and reported instead of failing the whole document, as issuers publish such keys side by side.
public struct JWKSKeySet: Sendable {
    /// What a key id verifies: its family, and the one algorithm it is used with.
    public struct KeyUse: Sendable, Equatable {
        public let family: SigningFamily
        public let algorithm: String
    }

    public let collection: JWTKeyCollection
    public let keys: [String: KeyUse]
    /// Why keys were skipped, for the log.
    public let skipped: [String]

    public struct Invalid: Error, Sendable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    /// Largest JWKS document read (issuers publish a few keys, a few KiB).
    public static let maximumBytes = 1 << 20

    /// A document's usable keys, read without jwt-kit's (asynchronous) key collection: what start-up checks.
    public struct Parsed: Sendable {
        public let keys: [(kid: String, use: KeyUse, jwk: JWK)]
        public let skipped: [String]
    }

    /// Reads the document: JSON with a `keys` array holding at least one signing key PushBridge can use.
    public static func parse(_ bytes: [UInt8]) throws(Invalid) -> Parsed {
        guard bytes.count <= maximumBytes else { throw Invalid(reason: "the document is larger than \(maximumBytes) bytes") }
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes, maximumDepth: 16)
        } catch {
            throw Invalid(reason: "it is not JSON: \(error)")
        }
        guard case .array(let entries)? = json["keys"] else { throw Invalid(reason: "it has no \"keys\" array") }
        var keys: [(kid: String, use: KeyUse, jwk: JWK)] = []
        var skipped: [String] = []
        for (index, entry) in entries.enumerated() {
            switch keyUse(entry) {
            case .failure(let reason):
                skipped.append("key \(index): \(reason.reason)")
            case .success(let (kid, use)):
                guard var jwk = try? JWK(json: entry.jsonText) else {
                    skipped.append("key \(index) (kid \(kid)): not a JWK jwt-kit can read")
                    continue
                }
                // A key without `alg` is pinned to one algorithm, so every token with that kid is checked the same way.
                jwk.algorithm = JWK.Algorithm(rawValue: use.algorithm)
                keys.append((kid, use, jwk))
            }
        }
        guard !keys.isEmpty else {
            throw Invalid(reason: "it has no key to verify tokens with" + (skipped.isEmpty ? "" : " (\(skipped.joined(separator: "; ")))"))
        }
        return Parsed(keys: keys, skipped: skipped)
    }

    /// Loads the parsed keys into a jwt-kit key collection; a key whose material jwt-kit refuses is skipped.
    public init(_ parsed: Parsed) async throws(Invalid) {
        let collection = JWTKeyCollection()
        var keys: [String: KeyUse] = [:]
        var skipped = parsed.skipped
        for (kid, use, jwk) in parsed.keys {
            do {
                try await collection.add(jwk: jwk)
                keys[kid] = use
            } catch {
                skipped.append("kid \(kid): \(error)")
            }
        }
        guard !keys.isEmpty else { throw Invalid(reason: "no key could be loaded (\(skipped.joined(separator: "; ")))") }
        self.collection = collection
        self.keys = keys
        self.skipped = skipped
    }

    public init(document bytes: [UInt8]) async throws(Invalid) {
        try await self.init(Self.parse(bytes))
    }

    /// Checks one entry of `keys`: a signing key with a `kid`, of a family we verify, with an algorithm of that family.
    static func keyUse(_ entry: JSONValue) -> Result<(String, KeyUse), Invalid> {
        guard case .object(let key) = entry else { return .failure(Invalid(reason: "not an object")) }
        guard case .string(let kid)? = key["kid"], !kid.isEmpty else { return .failure(Invalid(reason: "no kid")) }
        guard case .string(let keyType)? = key["kty"], let family = SigningFamily(keyType: keyType) else {
            return .failure(Invalid(reason: "kid \(kid): kty is not RSA, EC or OKP"))
        }
        if let use = key["use"], use != .string("sig") { return .failure(Invalid(reason: "kid \(kid): not a signing key (use)")) }
        let algorithm: String
        switch key["alg"] {
        case .string(let named)?: algorithm = named
        case nil: algorithm = defaultAlgorithm(family: family, curve: key["crv"]?.stringValue)
        default: return .failure(Invalid(reason: "kid \(kid): alg is not a string"))
        }
        guard SigningFamily(algorithm: algorithm) == family else {
            return .failure(Invalid(reason: "kid \(kid): alg \(algorithm) does not fit kty \(keyType)"))
        }
        return .success((kid, KeyUse(family: family, algorithm: algorithm)))
    }

    /// RS256 for RSA; ES256, ES384 or ES512 by curve; EdDSA for OKP.
    static func defaultAlgorithm(family: SigningFamily, curve: String?) -> String {
        switch family {
        case .rsa, .hmac: "RS256"
        case .ellipticCurve: curve == "P-384" ? "ES384" : curve == "P-521" ? "ES512" : "ES256"
        case .edwardsCurve: "EdDSA"
        }
    }
}
