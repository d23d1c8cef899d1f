import JWTKit
import PushBridgeCore
import PushBridgeJSON

/// Verifies `$connect` tokens with jwt-kit: the signature with a key of the family the token's `alg` names (HMAC
/// secret, or a JWKS key by `kid`), then `exp`/`nbf` with leeway, `iss`, `aud`, and the user id claim.
public final class JWTAuthenticator: Sendable {
    /// One collection per HMAC algorithm: jwt-kit keeps one default key per collection, chosen without looking at
    /// `alg`, so the algorithm picks the collection. Filled by a task: jwt-kit's collections are actors.
    private let hmac: Task<[String: JWTKeyCollection], Never>
    public let jwks: JWKSKeys?
    private let checks: ClaimChecks
    private let userIdClaim: UserIdClaim
    private let clock: WallClock

    /// - Parameter jwks: the JWKS keys, already loaded (a file) or to be fetched (a URL).
    public init(settings: JWTSettings, jwks: JWKSKeys?) {
        let secret = settings.secret
        self.hmac = Task {
            var hmac: [String: JWTKeyCollection] = [:]
            guard let secret else { return hmac }
            // An HMAC key shorter than its hash trips an assertion in jwt-kit: each algorithm is offered only when the
            // secret is long enough for it.
            let key = HMACKey(from: secret.bytes)
            for (name, digest, size) in [("HS256", DigestAlgorithm.sha256, 32), ("HS384", .sha384, 48), ("HS512", .sha512, 64)]
            where secret.bytes.count >= size {
                hmac[name] = await JWTKeyCollection().add(hmac: key, digestAlgorithm: digest)
            }
            return hmac
        }
        self.jwks = jwks
        self.checks = settings.checks
        self.userIdClaim = settings.userIdClaim
        self.clock = settings.clock
    }

    /// The identity a valid token carries, or why it is refused.
    public func authenticate(_ token: String) async -> Result<AuthenticatedIdentity, TokenRejection> {
        let unverified: UnverifiedToken
        do {
            unverified = try UnverifiedToken(token)
        } catch {
            return .failure(.malformed(error))
        }
        let algorithm = unverified.algorithm
        guard let family = SigningFamily(algorithm: algorithm) else { return .failure(.algorithmNotAccepted(algorithm)) }
        let collection: JWTKeyCollection
        var iterateKeys = false
        if family == .hmac {
            guard let keys = await hmac.value[algorithm] else { return .failure(.algorithmNotAccepted(algorithm)) }
            collection = keys
        } else {
            guard let jwks else { return .failure(.algorithmNotAccepted(algorithm)) }
            switch await Self.jwksCollection(jwks, kid: unverified.keyId, algorithm: algorithm) {
            case .failure(let rejection): return .failure(rejection)
            case .success(let found): collection = found
            }
            iterateKeys = unverified.keyId == nil
        }
        do {
            _ = try await collection.verify(token, as: SignatureOnly.self, iteratingKeys: iterateKeys)
        } catch {
            return .failure(.signatureInvalid)
        }
        do {
            try checks.check(unverified.claims, now: Double(clock.now().milliseconds) / 1000)
        } catch {
            return .failure(.claims(error))
        }
        guard let userId = userIdClaim.userId(in: unverified.claims) else { return .failure(.noUserId(path: userIdClaim.path.text)) }
        return .success(AuthenticatedIdentity(userId: userId, claims: unverified.claims))
    }

    /// The JWKS collection that may verify a token with this `kid` and `alg`; an unknown `kid` fetches the JWKS
    /// again once (throttled). A token without `kid` is tried against every key that verifies its `alg`.
    private static func jwksCollection(_ jwks: JWKSKeys, kid: String?, algorithm: String) async -> Result<JWTKeyCollection, TokenRejection> {
        var keySet = await jwks.current()
        guard let kid else {
            if keySet == nil { keySet = await jwks.refreshForUnknownKey() }
            guard let keySet, keySet.keys.values.contains(where: { $0.algorithm == algorithm }) else {
                return .failure(.algorithmNotAccepted(algorithm))
            }
            return .success(keySet.collection)
        }
        if keySet?.keys[kid] == nil { keySet = await jwks.refreshForUnknownKey() }
        guard let keySet, let use = keySet.keys[kid] else { return .failure(.unknownKeyId(kid)) }
        guard use.algorithm == algorithm else { return .failure(.algorithmMismatch(kid: kid, expected: use.algorithm, got: algorithm)) }
        return .success(keySet.collection)
    }
}

/// jwt-kit checks only the signature; the claims are read from the same token by ``UnverifiedToken`` and checked by
/// ``ClaimChecks`` against the injected clock. Decodes from any JSON object.
struct SignatureOnly: JWTPayload {
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
