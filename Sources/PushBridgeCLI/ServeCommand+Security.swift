import ArgumentParser
import Foundation
import PushBridgeAuth
import PushBridgeCore
import PushBridgeServer

/// `serve`'s authentication and browser settings: JWTs, the subscribe policy, allowed origins, and the refusal to
/// serve beyond loopback with nobody authenticated.
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

        if let text = try setting(subscribePolicy, "SUBSCRIBE_POLICY") {
            let policy: SubscribePolicy
            do {
                policy = try SubscribePolicy(parsing: text)
            } catch {
                throw ValidationError("--subscribe-policy: \(error)")
            }
            if case .claim = policy, !jwt.isEnabled {
                throw ValidationError("--subscribe-policy \(text) reads the connection's token: configure --jwt-secret, --jwt-secret-file or --jwks.")
            }
            configuration.subscribePolicy = policy
        }
        if let text = try setting(allowedOrigins, "ALLOWED_ORIGINS"), !text.isEmpty {
            configuration.allowedOrigins = OriginAllowList(commaSeparated: text)
        }
        let insecure = insecureNoAuth || environment["PUSHBRIDGE_INSECURE_NO_AUTH"] == "1"
        do {
            try BindSafety.check(host: configuration.host, authenticated: jwt.isEnabled, insecureNoAuth: insecure)
        } catch {
            throw ValidationError("\(error)")
        }
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
