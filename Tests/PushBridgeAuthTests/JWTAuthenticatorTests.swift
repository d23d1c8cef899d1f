import Foundation
import JWTKit
import Logging
import PushBridgeAuth
import PushBridgeCore
import PushBridgeJSON
import Testing

/// Tokens signed by jwt-kit's own signing side (the Python integration tests use PyJWT), verified at a pinned time.
@Suite struct JWTAuthenticatorTests {
    static let now: Int64 = 1_800_000_000
    static let secret = "an HMAC secret of at least 32 bytes for HS256"

    struct Claims: JWTPayload {
        var sub: String? = "user-1"
        var exp: Int64? = JWTAuthenticatorTests.now + 600
        var nbf: Int64?
        var iss: String?
        var aud: String?
        var data: [String: String]?

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static func settings(secret: String? = JWTAuthenticatorTests.secret, jwks: JWKSLocation? = nil) -> JWTSettings {
        var settings = JWTSettings()
        settings.secret = secret.map(Secret.init)
        settings.jwks = jwks
        settings.clock = WallClock { Timestamp(milliseconds: now * 1000) }
        return settings
    }

    static func hmacToken(
        _ claims: Claims = Claims(),
        secret: String = JWTAuthenticatorTests.secret,
        digest: DigestAlgorithm = .sha256
    ) async throws
        -> String
    {
        try await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: digest).sign(claims)
    }

    static func base64URL(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static var logger: Logger {
        var logger = Logger(label: "JWTAuthenticatorTests")
        logger.logLevel = .critical
        return logger
    }

    func authenticate(
        _ token: String,
        settings: JWTSettings = settings(),
        jwks: JWKSKeys? = nil
    ) async -> Result<AuthenticatedIdentity, TokenRejection> {
        await JWTAuthenticator(settings: settings, jwks: jwks).authenticate(token)
    }

    @Test func aValidHS256TokenGivesItsUserAndClaims() async throws {
        let result = await authenticate(try await Self.hmacToken())
        let identity = try result.get()
        #expect(identity.userId == "user-1")
        #expect(identity.claims["exp"] == .number(JSONNumber(Int(Self.now + 600))))
    }

    @Test func theSamplesUserIdClaim() async throws {
        var settings = Self.settings()
        settings.userIdClaim = try UserIdClaim("$.data.userId")
        let token = try await Self.hmacToken(Claims(sub: nil, data: ["userId": "myuserid", "firstName": "Allen"]))
        #expect(try await authenticate(token, settings: settings).get().userId == "myuserid")
        #expect(await authenticate(try await Self.hmacToken(), settings: settings) == .failure(.noUserId(path: "$.data.userId")))
    }

    @Test func aTokenSignedWithAnotherSecretIsRefused() async throws {
        let token = try await Self.hmacToken(secret: "another secret that is also long enough!")
        #expect(await authenticate(token) == .failure(.signatureInvalid))
    }

    @Test func expiredNotYetValidAndAudience() async throws {
        #expect(await authenticate(try await Self.hmacToken(Claims(exp: Self.now - 31))) == .failure(.claims(.expired)))
        #expect(try await authenticate(try await Self.hmacToken(Claims(exp: Self.now - 29))).get().userId == "user-1")
        #expect(await authenticate(try await Self.hmacToken(Claims(nbf: Self.now + 60))) == .failure(.claims(.notYetValid)))
        var settings = Self.settings()
        settings.checks.audience = "pushbridge"
        settings.checks.issuer = "issuer"
        #expect(
            await authenticate(try await Self.hmacToken(Claims(iss: "issuer", aud: "other")), settings: settings) == .failure(.claims(.wrongAudience))
        )
        #expect(
            await authenticate(try await Self.hmacToken(Claims(iss: "other", aud: "pushbridge")), settings: settings)
                == .failure(.claims(.wrongIssuer))
        )
        #expect(
            try await authenticate(try await Self.hmacToken(Claims(iss: "issuer", aud: "pushbridge")), settings: settings).get().userId == "user-1"
        )
    }

    @Test func algNoneIsRefusedWhateverItsClaims() async throws {
        let payload = Self.base64URL(#"{"sub":"admin","exp":\#(Self.now + 600)}"#)
        for algorithm in ["none", "None", "NONE", ""] {
            let token = "\(Self.base64URL(#"{"alg":"\#(algorithm)","typ":"JWT"}"#)).\(payload)."
            #expect(await authenticate(token) == .failure(.algorithmNotAccepted(algorithm)))
        }
    }

    @Test func hmacAlgorithmsNeedASecretAsLongAsTheirHash() async throws {
        // The 45-byte secret is enough for HS256 only: an HS512 token is refused before any key is used (jwt-kit
        // would assert on the short key).
        let header = Self.base64URL(#"{"alg":"HS512","typ":"JWT"}"#)
        let payload = Self.base64URL(#"{"sub":"u","exp":\#(Self.now + 600)}"#)
        #expect(await authenticate("\(header).\(payload).c2ln") == .failure(.algorithmNotAccepted("HS512")))
        let long = String(repeating: "k", count: 64)
        let token512 = try await Self.hmacToken(secret: long, digest: .sha512)
        #expect(try await authenticate(token512, settings: Self.settings(secret: long)).get().userId == "user-1")
    }

    @Test func malformedTokensAreRefused() async throws {
        #expect(await authenticate("not-a-token") == .failure(.malformed(.notThreeParts)))
        #expect(await authenticate("a.b.c") == .failure(.malformed(.headerNotJSONObject)))
        #expect(await authenticate(String(repeating: "a", count: 20_000)) == .failure(.malformed(.tooLong)))
        let header = Self.base64URL(#"{"alg":"HS256"}"#)
        #expect(await authenticate("\(header).\(Self.base64URL("[1]")).sig") == .failure(.malformed(.payloadNotJSONObject)))
    }

    // MARK: JWKS

    struct ECKey {
        let kid: String
        let privateKey = ES256PrivateKey()

        var jwk: String {
            let parameters = privateKey.publicKey.parameters!
            return #"{"kty":"EC","crv":"P-256","kid":"\#(kid)","x":"\#(parameters.x)","y":"\#(parameters.y)","use":"sig"}"#
        }

        func sign(_ claims: Claims = Claims(), kid: String? = nil) async throws -> String {
            let keys = await JWTKeyCollection().add(ecdsa: privateKey, kid: JWKIdentifier(string: kid ?? self.kid))
            return try await keys.sign(claims, kid: JWKIdentifier(string: kid ?? self.kid))
        }
    }

    static func jwksFile(_ keys: [String]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("jwks-\(UUID().uuidString).json").path
        try writeJWKS(keys, to: path)
        return path
    }

    static func writeJWKS(_ keys: [String], to path: String) throws {
        // An `oct` key sits beside the signing keys, as some issuers publish: it is skipped, not fatal.
        let all = keys + [#"{"kty":"oct","kid":"sym","k":"c2VjcmV0"}"#]
        try Data(#"{"keys":[\#(all.joined(separator: ","))]}"#.utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test func es256FromAJWKSFileByKid() async throws {
        let key = ECKey(kid: "k1")
        let path = try Self.jwksFile([key.jwk])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let jwks = try JWKSKeys.load(file: path, logger: Self.logger)
        let settings = Self.settings(secret: nil, jwks: .file(path))
        #expect(try await authenticate(try await key.sign(), settings: settings, jwks: jwks).get().userId == "user-1")
        #expect(await authenticate(try await ECKey(kid: "k1").sign(), settings: settings, jwks: jwks) == .failure(.signatureInvalid))
        #expect(await authenticate(try await Self.hmacToken(), settings: settings, jwks: jwks) == .failure(.algorithmNotAccepted("HS256")))
    }

    @Test func anUnknownKidReadsTheJWKSAgainOnce() async throws {
        let old = ECKey(kid: "old")
        let new = ECKey(kid: "new")
        let path = try Self.jwksFile([old.jwk])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let jwks = try JWKSKeys.load(file: path, logger: Self.logger)
        let authenticator = JWTAuthenticator(settings: Self.settings(secret: nil, jwks: .file(path)), jwks: jwks)
        #expect(await authenticator.authenticate(try await new.sign()) == .failure(.unknownKeyId("new")))
        try Self.writeJWKS([old.jwk, new.jwk], to: path)
        // The unknown kid above used the read this interval allows; the key is found after the next one.
        #expect(await jwks.refreshForUnknownKey(now: .now + .seconds(11))?.keys["new"] != nil)
        #expect(try await authenticator.authenticate(try await new.sign()).get().userId == "user-1")
    }

    @Test func aKidOfAnotherAlgorithmAndHMACConfusionAreRefused() async throws {
        let key = ECKey(kid: "k1")
        let path = try Self.jwksFile([key.jwk])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let jwks = try JWKSKeys.load(file: path, logger: Self.logger)
        // Secret and JWKS both configured: an HS256 token naming the EC key's kid, signed with its public key text,
        // is checked against the secret only.
        let authenticator = JWTAuthenticator(settings: Self.settings(jwks: .file(path)), jwks: jwks)
        let confused = try await JWTKeyCollection().add(hmac: HMACKey(from: key.jwk), digestAlgorithm: .sha256, kid: "k1")
            .sign(Claims(), kid: "k1")
        #expect(await authenticator.authenticate(confused) == .failure(.signatureInvalid))
        let header = Self.base64URL(#"{"alg":"RS256","kid":"k1"}"#)
        let payload = Self.base64URL(#"{"sub":"u","exp":\#(Self.now + 60)}"#)
        #expect(
            await authenticator.authenticate("\(header).\(payload).c2ln") == .failure(.algorithmMismatch(kid: "k1", expected: "ES256", got: "RS256"))
        )
    }

    @Test func aJWKSFileThatCannotBeUsedIsAnErrorNamingIt() throws {
        #expect { try JWKSKeys.load(file: "/nonexistent/jwks.json", logger: Self.logger) } throws: { error in
            "\(error)".contains("/nonexistent/jwks.json") && "\(error)".contains("cannot read")
        }
        let path = try Self.jwksFile([])
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect { try JWKSKeys.load(file: path, logger: Self.logger) } throws: { error in
            "\(error)".contains(path) && "\(error)".contains("no key to verify tokens with")
        }
    }
}
