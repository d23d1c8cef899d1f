import Crypto
import Foundation

/// Signs requests with AWS Signature Version 4 (`AWS4-HMAC-SHA256`) for one credential set, region and service.
///
/// Pure and synchronous: it never reads the clock (the caller passes `date`, which keeps retries explicit — each
/// attempt must be re-signed with a fresh time, since AWS rejects signatures more than ~15 minutes off) and never
/// does I/O, so it is cheap to call per request from any thread.
public struct SigV4Signer: Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"

    public var credentials: AWSCredentials
    public var region: String
    /// The signing name, e.g. `events`, `sqs`, `execute-api`.
    public var service: String

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// Header-based signing: returns the `Authorization`, `X-Amz-Date`, `X-Amz-Security-Token` and (with
    /// `signBody`) `x-amz-content-sha256` headers to add, plus the intermediate strings.
    ///
    /// Every header in `request.headers` is signed except hop-by-hop and proxy-rewritten ones (see
    /// `unsignedHeaderNames`), so send exactly `allHeaders`. A caller-supplied `x-amz-content-sha256` (e.g.
    /// `UNSIGNED-PAYLOAD`) is signed and used as the payload hash instead of hashing `body`.
    public func sign(_ request: SigningRequest, date: Date, options: SigningOptions = .init()) -> SignedRequest {
        let amzDate = AmzDate(date)
        var kept = request.headers.filter { !Self.signerOwnedHeaderNames.contains($0.name.lowercased()) }
        let suppliedHash = Self.contentHashHeader(in: kept)
        let payloadHash = suppliedHash ?? Self.sha256Hex(request.body)

        var added: [(name: String, value: String)] = []
        var toSign = kept.filter { !Self.unsignedHeaderNames.contains($0.name.lowercased()) }
        if let token = credentials.sessionToken {
            added.append((name: "X-Amz-Security-Token", value: token))
            if !options.omitSessionToken {
                toSign.append((name: "X-Amz-Security-Token", value: token))
            }
        }
        added.append((name: "X-Amz-Date", value: amzDate.dateTime))
        toSign.append((name: "X-Amz-Date", value: amzDate.dateTime))
        if options.signBody && suppliedHash == nil {
            added.append((name: "x-amz-content-sha256", value: payloadHash))
            toSign.append((name: "x-amz-content-sha256", value: payloadHash))
        }

        let canonical = CanonicalRequest(
            method: request.method,
            path: request.path,
            query: request.query,
            headers: toSign,
            payloadHash: payloadHash,
            normalizePath: options.normalizePath
        )
        let scope = credentialScope(amzDate)
        let stringToSign = Self.stringToSign(amzDate: amzDate, scope: scope, canonicalRequest: canonical.text)
        let signature = self.signature(stringToSign: stringToSign, date: amzDate)
        let authorization =
            "\(Self.algorithm) Credential=\(credentials.accessKeyId)/\(scope), SignedHeaders=\(canonical.signedHeaders), Signature=\(signature)"
        added.append((name: "Authorization", value: authorization))
        kept.append(contentsOf: added)

        return SignedRequest(
            headers: added,
            allHeaders: kept,
            authorization: authorization,
            signedHeaders: canonical.signedHeaders,
            canonicalRequest: canonical.text,
            stringToSign: stringToSign,
            signature: signature
        )
    }

    /// Query-string signing (a presigned URL valid for `expires` seconds; AWS caps it at 604800).
    ///
    /// All of `request.headers` (minus the unsigned ones) are signed, so the eventual sender must send them
    /// unchanged. The payload hash is the body's (or a supplied `x-amz-content-sha256`), as the official suite
    /// expects for non-S3 services; `signBody` does not apply here.
    public func presign(_ request: SigningRequest, date: Date, expires: Int, options: SigningOptions = .init()) -> PresignedRequest {
        let amzDate = AmzDate(date)
        let headers = request.headers.filter {
            let name = $0.name.lowercased()
            return !Self.signerOwnedHeaderNames.contains(name) && !Self.unsignedHeaderNames.contains(name)
        }
        let payloadHash = Self.contentHashHeader(in: headers) ?? Self.sha256Hex(request.body)
        let scope = credentialScope(amzDate)
        let (_, signedHeaders) = CanonicalRequest.canonicalHeaders(headers)

        var items: [(name: String, value: String)] = [
            (name: "X-Amz-Algorithm", value: Self.algorithm),
            (name: "X-Amz-Credential", value: "\(credentials.accessKeyId)/\(scope)"),
            (name: "X-Amz-Date", value: amzDate.dateTime),
            (name: "X-Amz-SignedHeaders", value: signedHeaders),
            (name: "X-Amz-Expires", value: String(expires)),
        ]
        var signedItems = items
        if let token = credentials.sessionToken {
            items.append((name: "X-Amz-Security-Token", value: token))
            if !options.omitSessionToken {
                signedItems.append((name: "X-Amz-Security-Token", value: token))
            }
        }

        let canonical = CanonicalRequest(
            method: request.method,
            path: request.path,
            query: request.query,
            extraQuery: signedItems,
            headers: headers,
            payloadHash: payloadHash,
            normalizePath: options.normalizePath
        )
        let stringToSign = Self.stringToSign(amzDate: amzDate, scope: scope, canonicalRequest: canonical.text)
        let signature = self.signature(stringToSign: stringToSign, date: amzDate)
        items.append((name: "X-Amz-Signature", value: signature))

        let encodedItems = items.map {
            URIEncoding.encode($0.name.utf8, keepSlash: false) + "=" + URIEncoding.encode($0.value.utf8, keepSlash: false)
        }
        let query = ((request.query.isEmpty ? [] : [request.query]) + encodedItems).joined(separator: "&")
        return PresignedRequest(
            queryItems: items,
            query: query,
            signedHeaders: signedHeaders,
            canonicalRequest: canonical.text,
            stringToSign: stringToSign,
            signature: signature
        )
    }

    // MARK: - Steps 2 and 3

    /// `yyyymmdd/region/service/aws4_request`
    func credentialScope(_ date: AmzDate) -> String {
        "\(date.date)/\(region)/\(service)/aws4_request"
    }

    static func stringToSign(amzDate: AmzDate, scope: String, canonicalRequest: String) -> String {
        [algorithm, amzDate.dateTime, scope, sha256Hex(Array(canonicalRequest.utf8))].joined(separator: "\n")
    }

    /// Derives the day-scoped signing key and signs.
    func signature(stringToSign: String, date: AmzDate) -> String {
        let key = SigningKey.derive(secretAccessKey: credentials.secretAccessKey, date: date.date, region: region, service: service)
        return SigningKey.signature(of: stringToSign, with: key)
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        Hex.encode(SHA256.hash(data: bytes))
    }

    // MARK: - Header policy

    /// Headers the signer sets itself; stale copies in the request (from an earlier attempt) are dropped.
    static let signerOwnedHeaderNames: Set<String> = ["authorization", "x-amz-date", "x-amz-security-token"]

    /// Headers never signed because hops rewrite or strip them (same spirit as aws-c-auth's and botocore's
    /// skip lists); signing them would make the signature fail behind a proxy.
    static let unsignedHeaderNames: Set<String> = [
        "connection", "expect", "keep-alive", "proxy-authorization", "te", "transfer-encoding", "upgrade", "user-agent",
        "x-amzn-trace-id",
    ]

    private static func contentHashHeader(in headers: [(name: String, value: String)]) -> String? {
        headers.first { $0.name.lowercased() == "x-amz-content-sha256" }.map { CanonicalRequest.normalizedValue($0.value) }
    }
}
