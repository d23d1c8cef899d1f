import ArgumentParser
import Foundation
import PushBridgeAuth
import PushBridgeCore
import PushBridgeServer

/// `serve`'s authentication and browser settings: JWTs or the authorizer webhook, the subscribe policy, allowed
/// origins, and the refusal to serve beyond loopback with nobody authenticated.
extension ServeCommand {
    func applySecuritySettings(
        to configuration: inout ServerConfiguration,
        environment: [String: String],
        setting: (String?, String) throws -> String?,
        bounded: (Int?, String, ClosedRange<Int>, String) throws -> Int?
    ) throws {
        var jwt = JWTSettings()
        jwt.secret = try Self.secret(flag: try setting(jwtSecret, "JWT_SECRET"), file: try setting(jwtSecretFile, "JWT_SECRET_FILE"))
        jwt.jwks = try setting(jwks, "JWKS").flatMap { $0.isEmpty ? nil : JWKSLocation($0) }
        if let seconds = try bounded(jwksRefresh, "JWKS_REFRESH", FlagRange.jwksRefreshSeconds, "seconds") {
            jwt.jwksRefreshInterval = .seconds(seconds)
        }
        jwt.checks.issuer = try setting(jwtIssuer, "JWT_ISSUER").flatMap { $0.isEmpty ? nil : $0 }
        jwt.checks.audience = try setting(jwtAudience, "JWT_AUDIENCE").flatMap { $0.isEmpty ? nil : $0 }
        if let seconds = try bounded(jwtLeeway, "JWT_LEEWAY", FlagRange.leewaySeconds, "seconds") { jwt.checks.leeway = .seconds(seconds) }
        if let path = try setting(jwtUserClaim, "JWT_USER_CLAIM") {
            do {
                jwt.userIdClaim = try UserIdClaim(path)
            } catch {
                throw ValidationError("--jwt-user-claim: '\(path)' is not a JSON path such as $.sub or $.data.userId.")
            }
        }
        configuration.jwt = jwt
        configuration.authorizer = try authorizerSettings(environment: environment, setting: setting, bounded: bounded)
        if configuration.authorizer != nil, jwt.isEnabled {
            throw ValidationError(
                """
                --authorizer-url cannot be combined with --jwt-secret, --jwt-secret-file or --jwks: $connect has one \
                authorizer, as in API Gateway. Verify the token in the authorizer, or drop --authorizer-url.
                """
            )
        }

        if let text = try setting(subscribePolicy, "SUBSCRIBE_POLICY") {
            let policy: SubscribePolicy
            do {
                policy = try SubscribePolicy(parsing: text)
            } catch {
                throw ValidationError("--subscribe-policy: \(error)")
            }
            if case .claim = policy, !configuration.authenticatesConnections {
                throw ValidationError(
                    """
                    --subscribe-policy \(text) reads the connection's token claims (or authorizer context): configure \
                    --jwt-secret, --jwt-secret-file, --jwks or --authorizer-url.
                    """
                )
            }
            configuration.subscribePolicy = policy
        }
        let policyTTL = try bounded(subscribePolicyTtl, "SUBSCRIBE_POLICY_TTL", FlagRange.answerCacheSeconds, "seconds")
        let policyTimeout = try Self.timeout(subscribePolicyTimeout, "SUBSCRIBE_POLICY_TIMEOUT", environment: environment)
        if policyTTL != nil || policyTimeout != nil {
            guard case .url = configuration.subscribePolicy else {
                throw ValidationError("--subscribe-policy-ttl and --subscribe-policy-timeout apply only to --subscribe-policy url:URL.")
            }
        }
        if let policyTTL { configuration.subscribePolicyTimeToLive = .seconds(policyTTL) }
        if let policyTimeout { configuration.subscribePolicyTimeout = Self.duration(seconds: policyTimeout) }
        if let text = try setting(allowedOrigins, "ALLOWED_ORIGINS"), !text.isEmpty {
            configuration.allowedOrigins = OriginAllowList(commaSeparated: text)
        }
        let insecure = insecureNoAuth || environment["PUSHBRIDGE_INSECURE_NO_AUTH"] == "1"
        do {
            try BindSafety.check(host: configuration.host, authenticated: configuration.authenticatesConnections, insecureNoAuth: insecure)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// `--authorizer-url` and its settings; the settings without the URL are a mistake worth stopping for.
    private func authorizerSettings(
        environment: [String: String],
        setting: (String?, String) throws -> String?,
        bounded: (Int?, String, ClosedRange<Int>, String) throws -> Int?
    ) throws -> AuthorizerSettings? {
        let url = try setting(authorizerUrl, "AUTHORIZER_URL").flatMap { $0.isEmpty ? nil : $0 }
        let ttl = try bounded(authorizerTtl, "AUTHORIZER_TTL", FlagRange.answerCacheSeconds, "seconds")
        let timeout = try Self.timeout(authorizerTimeout, "AUTHORIZER_TIMEOUT", environment: environment)
        let identity = try setting(authorizerIdentitySource, "AUTHORIZER_IDENTITY_SOURCE")
        guard let url else {
            guard ttl == nil, timeout == nil, identity == nil else {
                throw ValidationError("--authorizer-ttl, --authorizer-timeout and --authorizer-identity-source need --authorizer-url.")
            }
            return nil
        }
        guard WebhookURL.isValid(url) else {
            throw ValidationError("--authorizer-url: '\(url)' is not an http:// or https:// URL with a host.")
        }
        var settings = AuthorizerSettings(url: url)
        if let ttl { settings.timeToLive = .seconds(ttl) }
        if let timeout { settings.timeout = Self.duration(seconds: timeout) }
        if let identity {
            do {
                settings.identitySource = try AuthorizerIdentitySource(parsing: identity)
            } catch {
                throw ValidationError("--authorizer-identity-source: \(error)")
            }
        }
        return settings
    }

    /// A webhook timeout in seconds from the flag, else its `PUSHBRIDGE_` variable, within
    /// ``FlagRange/webhookTimeoutSeconds``.
    private static func timeout(_ flag: Double?, _ name: String, environment: [String: String]) throws -> Double? {
        var seconds = flag
        if seconds == nil, let text = environment["PUSHBRIDGE_\(name)"] {
            guard let value = Double(text) else { throw ValidationError("PUSHBRIDGE_\(name)=\(text) is not a valid value.") }
            seconds = value
        }
        return try FlagRange.check(seconds, name: name, FlagRange.webhookTimeoutSeconds, unit: "seconds")
    }

    /// Seconds already checked against ``FlagRange/webhookTimeoutSeconds``, rounded up to whole milliseconds.
    private static func duration(seconds: Double) -> Duration {
        .milliseconds(Int64((seconds * 1000).rounded(.up)))
    }

    /// The HMAC secret from the flag or the file (not both), at least ``Secret/minimumBytes`` long. The secret itself
    /// never appears in a message.
    static func secret(flag: String?, file: String?) throws -> Secret? {
        let secret: Secret
        switch (flag.flatMap { $0.isEmpty ? nil : $0 }, file.flatMap { $0.isEmpty ? nil : $0 }) {
        case (nil, nil): return nil
        case (_?, _?): throw ValidationError("Give --jwt-secret or --jwt-secret-file, not both.")
        case (let text?, nil): secret = Secret(text)
        case (nil, let path?):
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: path))
            } catch {
                throw ValidationError("--jwt-secret-file \(path): cannot read the file: \((error as NSError).localizedDescription)")
            }
            // Editors and `echo` end files with a newline that is not part of the secret.
            var bytes = [UInt8](data)
            while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes.removeLast() }
            secret = Secret(bytes)
        }
        guard secret.bytes.count >= Secret.minimumBytes else {
            throw ValidationError(
                "The JWT secret is \(secret.bytes.count) bytes; it must be at least \(Secret.minimumBytes) (e.g. openssl rand -base64 48)."
            )
        }
        return secret
    }
}
