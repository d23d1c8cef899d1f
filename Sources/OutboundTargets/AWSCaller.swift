import AWSSigV4
import CurlTransport
import Foundation

/// Sends one SigV4-signed request to an AWS endpoint through the project's libcurl client.
public struct AWSCaller: Sendable {
    public let client: CurlHTTPClient
    public let credentials: AWSCredentials
    public let timeout: Duration

    public init(client: CurlHTTPClient, credentials: AWSCredentials, timeout: Duration = .seconds(10)) {
        self.client = client
        self.credentials = credentials
        self.timeout = timeout
    }

    public struct InvalidEndpoint: Error, CustomStringConvertible {
        public let url: String
        public var description: String { "not a valid endpoint URL: \(url)" }
    }

    /// - Parameters:
    ///   - url: the full URL, path already percent-encoded as it goes on the wire.
    ///   - signingName: the SigV4 service name (`events`, `sqs`, `execute-api`).
    public func send(
        method: String,
        url: String,
        signingName: String,
        region: String,
        headers: [(name: String, value: String)],
        body: [UInt8]
    ) async throws(CurlError) -> HTTPResponse {
        guard let parsed = URL(string: url) else { throw CurlError(kind: .other, message: InvalidEndpoint(url: url).description) }
        let signer = SigV4Signer(credentials: credentials, region: region, service: signingName)
        let signed = signer.sign(SigningRequest(method: method, url: parsed, headers: headers, body: body), date: Date())
        let request = HTTPRequest(
            method: .init(rawValue: method),
            url: url,
            headers: signed.allHeaders.map { ($0.name, $0.value) },
            body: body,
            connectTimeout: min(timeout, .seconds(5)),
            totalTimeout: timeout
        )
        return try await client.execute(request)
    }
}
