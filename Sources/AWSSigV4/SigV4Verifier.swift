import Crypto
import Foundation

/// Checks AWS Signature Version 4 on inbound requests, in both forms the SDKs use: the `Authorization` header
/// and presigned query parameters.
///
/// Pure apart from its cache of derived keys: the caller passes the time (`now`), and the body's hash only when
/// asked for it. Checks run in the order AWS's JSON services run them, and each refusal carries their code and
/// message: the parameters, the date's form, the clock, `host` among the signed headers, the algorithm, the
/// credential's form, its scope (day, region, service), the access key, the payload hash, and last the signature,
/// compared in constant time.
public struct SigV4Verifier: Sendable {
    public struct Policy: Sendable, Equatable {
        /// The region a credential must be scoped to.
        public var region: String
        /// The signing name a credential must be scoped to, e.g. `events` or `execute-api`.
        public var service: String
        /// How far `X-Amz-Date` may be from the server's clock, either way, in seconds.
        public var maximumClockSkew: Int64
        /// Normalise `.`, `..` and `//` in the canonical URI (every service but S3).
        public var normalizePath: Bool
        /// Accept `x-amz-content-sha256: UNSIGNED-PAYLOAD`, which leaves the body out of the signature (S3 allows it;
        /// a service whose body is the request should not).
        public var acceptsUnsignedPayload: Bool
        /// Whether a presigned `X-Amz-Security-Token` is part of the canonical query (AWS: yes; the test suite's
        /// `omit_session_token` cases add it after signing).
        public var signsSessionTokenInQuery: Bool

        public init(
            region: String,
            service: String,
            maximumClockSkew: Int64 = 300,
            normalizePath: Bool = true,
            acceptsUnsignedPayload: Bool = false,
            signsSessionTokenInQuery: Bool = true
        ) {
            self.region = region
            self.service = service
            self.maximumClockSkew = min(max(maximumClockSkew, 0), Self.maximumPresignedLifetime)
            self.normalizePath = normalizePath
            self.acceptsUnsignedPayload = acceptsUnsignedPayload
            self.signsSessionTokenInQuery = signsSessionTokenInQuery
        }

        /// A presigned URL lives at most a week, as with AWS.
        public static let maximumPresignedLifetime: Int64 = 604_800
    }

    public let policy: Policy
    private let secrets: [String: String]
    private let keys: SigningKeyCache

    /// - Parameter credentials: every key pair accepted; a repeated access key id keeps its first secret. Session
    ///   tokens are not checked (there is no STS here): a signed `X-Amz-Security-Token` is verified like any header.
    public init(credentials: [AWSCredentials], policy: Policy) {
        self.policy = policy
        self.secrets = Dictionary(credentials.map { ($0.accessKeyId, $0.secretAccessKey) }, uniquingKeysWith: { first, _ in first })
        self.keys = SigningKeyCache()
    }

    /// Everything but the payload hash: returns what is left to check once the body is read, or why the request is
    /// refused. Cheap enough to run before reading the body.
    public func check(_ head: InboundRequestHead, now: Date) -> Result<PendingSignature, SigV4Failure> {
        let claim: SignatureClaim
        switch SignatureClaim.parse(head) {
        case .success(let parsed): claim = parsed
        case .failure(let failure): return .failure(failure)
        }
        guard let signedAt = AmzDate.secondsSince1970(parsing: claim.amzDate) else {
            return .failure(
                SigV4Failure(
                    .incompleteSignature,
                    "Date must be in ISO-8601 'basic format'. Got '\(claim.amzDate.clipped)'. See http://en.wikipedia.org/wiki/ISO_8601"
                )
            )
        }
        var lifetime: Int64?
        if let expires = claim.expires {
            guard let seconds = Self.presignedLifetime(expires) else {
                return .failure(
                    SigV4Failure(
                        .incompleteSignature,
                        "X-Amz-Expires must be a whole number of seconds from 1 to \(Policy.maximumPresignedLifetime) (a week), not '\(expires.clipped)'."
                    )
                )
            }
            lifetime = seconds
        }
        if let failure = clockFailure(signedAt: signedAt, amzDate: claim.amzDate, lifetime: lifetime, now: AmzDate.wholeSeconds(now)) {
            return .failure(failure)
        }

        let signedHeaderNames = claim.signedHeaders.split(separator: ";", omittingEmptySubsequences: false).map { $0.lowercased() }
        guard signedHeaderNames.contains("host") else {
            return .failure(SigV4Failure(.invalidSignature, "'Host' must be a 'SignedHeader' in the AWS Authorization."))
        }
        guard !signedHeaderNames.contains(""), Set(signedHeaderNames).count == signedHeaderNames.count else {
            return .failure(
                SigV4Failure(
                    .incompleteSignature,
                    "SignedHeaders must list header names once each, separated by ';'; got '\(claim.signedHeaders.clipped)'."
                )
            )
        }
        guard claim.algorithm == SigV4Signer.algorithm else {
            return .failure(
                SigV4Failure(.incompleteSignature, "Unsupported AWS 'algorithm': '\(claim.algorithm.clipped)' (only AWS4-HMAC-SHA256 for now). ")
            )
        }

        let scope = claim.credential.split(separator: "/", omittingEmptySubsequences: false)
        guard scope.count == 5, !scope.contains(where: \.isEmpty) else {
            return .failure(
                SigV4Failure(
                    .incompleteSignature,
                    "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '\(claim.credential.clipped)'"
                )
            )
        }
        let (accessKeyId, scopeDate, scopeRegion, scopeService, terminator) = (String(scope[0]), scope[1], scope[2], scope[3], scope[4])
        var scopeErrors: [String] = []
        if scopeRegion != policy.region { scopeErrors.append("Credential should be scoped to a valid region, not '\(scopeRegion.clipped)'.") }
        if scopeService != policy.service { scopeErrors.append("Credential should be scoped to correct service: '\(policy.service)'.") }
        if terminator != "aws4_request" {
            scopeErrors.append("Credential should be scoped with a valid terminator: 'aws4_request', not '\(terminator.clipped)'.")
        }
        let day = claim.amzDate.prefix(8)
        if scopeDate != day {
            scopeErrors.append(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '\(scopeDate.clipped)' != '\(day)', from '\(claim.amzDate)'."
            )
        }
        guard scopeErrors.isEmpty else { return .failure(SigV4Failure(.invalidSignature, scopeErrors.joined(separator: " "))) }

        guard let secret = secrets[accessKeyId] else { return .failure(.unknownAccessKey) }

        let declaredHash = head.values(of: "x-amz-content-sha256")
        var payload = PendingSignature.Payload.bodySHA256(declared: nil)
        if !declaredHash.isEmpty {
            guard declaredHash.count == 1 else {
                return .failure(SigV4Failure(.incompleteSignature, "Found more than one 'x-amz-content-sha256' header."))
            }
            let declared = declaredHash[0].trimmed
            if declared == "UNSIGNED-PAYLOAD" {
                guard policy.acceptsUnsignedPayload else {
                    return .failure(
                        SigV4Failure(.invalidSignature, "UNSIGNED-PAYLOAD is not accepted by this service: sign the payload's SHA-256.")
                    )
                }
                payload = .unsigned
            } else if Self.isLowercaseSHA256Hex(declared) {
                payload = .bodySHA256(declared: declared)
            } else {
                return .failure(
                    SigV4Failure(.invalidSignature, "x-amz-content-sha256 must be the payload's hex SHA-256 (lowercase), not '\(declared.clipped)'.")
                )
            }
        }

        var signedHeaders: [(name: String, value: String)] = []
        for (name, value) in head.headers where signedHeaderNames.contains(name.lowercased()) {
            signedHeaders.append((name: name, value: value))
        }
        // A header the client says it signed but did not send cannot have been signed as it arrives.
        guard Set(signedHeaders.map { $0.name.lowercased() }).count == signedHeaderNames.count else { return .failure(.signatureMismatch) }

        var canonicalQuery = head.query
        if claim.form == .query {
            var excluded: Set<String> = ["X-Amz-Signature"]
            if !policy.signsSessionTokenInQuery { excluded.insert("X-Amz-Security-Token") }
            canonicalQuery = QueryParameters(head.query).raw(excluding: excluded)
        }
        return .success(
            PendingSignature(
                accessKeyId: accessKeyId,
                form: claim.form,
                method: head.method,
                path: head.path,
                canonicalQuery: canonicalQuery,
                signedHeaders: signedHeaders,
                payload: payload,
                amzDate: claim.amzDate,
                scope: "\(day)/\(policy.region)/\(policy.service)/aws4_request",
                presentedSignature: claim.signature,
                normalizePath: policy.normalizePath,
                signingKey: { [keys, policy] in
                    keys.key(accessKeyId: accessKeyId, secretAccessKey: secret, date: String(day), region: policy.region, service: policy.service)
                }
            )
        )
    }

    /// Checks a request whose whole body is at hand.
    public func verify(_ head: InboundRequestHead, body: some Collection<UInt8>, now: Date) -> Result<VerifiedSignature, SigV4Failure> {
        check(head, now: now).flatMap { $0.verify(payloadSHA256: { Hex.encode(SHA256.hash(data: Array(body))) }) }
    }

    /// Lowercase hex SHA-256 of a body, for ``PendingSignature/verify(payloadSHA256:)``.
    public static func payloadSHA256(_ body: UnsafeRawBufferPointer) -> String {
        Hex.encode(SHA256.hash(data: body))
    }

    // MARK: - Clock

    /// `X-Amz-Date` may be at most `maximumClockSkew` from now either way; a presigned URL is good from then until
    /// `X-Amz-Date` + `X-Amz-Expires`. All in whole seconds within years 0000 to 9999, so no sum can overflow.
    private func clockFailure(signedAt: Int64, amzDate: String, lifetime: Int64?, now: Int64) -> SigV4Failure? {
        let skew = policy.maximumClockSkew
        let skewText = skew % 60 == 0 ? "\(skew / 60) min." : "\(skew) sec."
        let nowText = AmzDate(secondsSince1970: now).dateTime
        if signedAt > now + skew {
            let latest = AmzDate(secondsSince1970: now + skew).dateTime
            return SigV4Failure(.expired, "Signature not yet current: \(amzDate) is still later than \(latest) (\(nowText) + \(skewText))")
        }
        if let lifetime {
            guard now > signedAt + lifetime else { return nil }
            let end = AmzDate(secondsSince1970: signedAt + lifetime).dateTime
            return SigV4Failure(.expired, "Signature expired: \(end) is now earlier than \(nowText) (\(amzDate) + \(lifetime) sec.)")
        }
        guard signedAt < now - skew else { return nil }
        let earliest = AmzDate(secondsSince1970: now - skew).dateTime
        return SigV4Failure(.expired, "Signature expired: \(amzDate) is now earlier than \(earliest) (\(nowText) - \(skewText))")
    }

    /// `X-Amz-Expires` as 1 to 604800 seconds: at most seven digits are read, so the value cannot overflow.
    static func presignedLifetime(_ text: String) -> Int64? {
        let digits = Array(text.utf8)
        guard (1...7).contains(digits.count), digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        let value = digits.reduce(Int64(0)) { $0 * 10 + Int64($1 - UInt8(ascii: "0")) }
        return (1...Policy.maximumPresignedLifetime).contains(value) ? value : nil
    }

    private static func isLowercaseSHA256Hex(_ text: String) -> Bool {
        text.utf8.count == 64
            && text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
    }
}
