import Foundation

/// The parts of an HTTP request that SigV4 covers, exactly as they will go on the wire.
///
/// The path and query are kept as raw text rather than a `URL` because the canonical form depends on the bytes
/// actually sent: for every service but S3 the path is percent-encoded a second time (`%3D` → `%253D`), and the
/// official test suite even signs request targets with literal spaces and UTF-8, which `URL` cannot hold.
public struct SigningRequest: Sendable {
    /// The HTTP method, as sent (`GET`, `POST`, …).
    public var method: String
    /// The request path as sent on the wire, already percent-encoded by the caller (e.g. `/dev/@connections/abc%3D`).
    public var path: String
    /// The raw query string as sent, without the leading `?`; empty when there is none.
    public var query: String
    /// Header fields in the order they will be sent. Must include `Host`; repeated names are allowed.
    public var headers: [(name: String, value: String)]
    /// The payload; hashed into the signature.
    public var body: [UInt8]

    public init(
        method: String,
        path: String,
        query: String = "",
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = []
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// Builds a request from a URL, taking its percent-encoded path and query verbatim and adding a `Host` header
    /// (with the port unless it is the scheme's default, as curl and botocore send it) when `headers` has none.
    public init(method: String, url: URL, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        let components = URLComponents(url: url, resolvingAgainstBaseURL: true)
        let path = components?.percentEncodedPath ?? url.path
        self.init(
            method: method,
            path: path.isEmpty ? "/" : path,
            query: components?.percentEncodedQuery ?? "",
            headers: headers,
            body: body
        )
        let hasHost = headers.contains { $0.name.lowercased() == "host" }
        if !hasHost, let components, let host = Self.hostHeader(components) {
            self.headers.insert((name: "Host", value: host), at: 0)
        }
    }

    private static func hostHeader(_ components: URLComponents) -> String? {
        guard var host = components.percentEncodedHost, !host.isEmpty else { return nil }
        if host.contains(":") && !host.hasPrefix("[") {
            host = "[\(host)]"  // IPv6 literal
        }
        guard let port = components.port else { return host }
        let scheme = components.scheme?.lowercased()
        let isDefault = (scheme == "http" && port == 80) || (scheme == "https" && port == 443)
        return isDefault ? host : "\(host):\(port)"
    }
}
