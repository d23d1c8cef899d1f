/// An outbound HTTP request, executed by ``CurlHTTPClient``.
///
/// A value type with no reference to libcurl: the client copies what it needs (URL, headers, body) into the transfer,
/// so a request can be built on any task and reused or retried freely.
public struct HTTPRequest: Sendable {
    /// The request method. Any token is accepted; non-standard ones go out through `CURLOPT_CUSTOMREQUEST`.
    public struct Method: RawRepresentable, Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
        public var rawValue: String

        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        public init(stringLiteral value: String) {
            self.rawValue = value
        }

        public var description: String { rawValue }

        public static let get: Method = "GET"
        public static let head: Method = "HEAD"
        public static let post: Method = "POST"
        public static let put: Method = "PUT"
        public static let patch: Method = "PATCH"
        public static let delete: Method = "DELETE"
    }

    public var method: Method
    /// An absolute `http://` or `https://` URL; other schemes are refused by the transfer.
    public var url: String
    /// Header fields in order. Duplicates are sent as given.
    ///
    /// If no `Content-Type` is given for a request with a body, none is sent (libcurl would otherwise claim
    /// `application/x-www-form-urlencoded`), and `Expect: 100-continue` is never sent unless given here.
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// The longest the TCP (and TLS) connect may take, `CURLOPT_CONNECTTIMEOUT_MS`.
    public var connectTimeout: Duration
    /// The longest the whole transfer may take, waiting for a free connection included, `CURLOPT_TIMEOUT_MS`.
    public var totalTimeout: Duration
    /// The most response body kept; past it the transfer stops and the response says it was truncated. An answer
    /// comes from a server we do not control, so it must not decide how much memory we use.
    public var maximumResponseBytes: Int = 1 << 20
    /// The most response header bytes accepted; past it the transfer fails.
    public var maximumHeaderBytes: Int = 64 << 10
    /// A PEM file of the certificate authorities an `https://` server's certificate must chain to, instead of the
    /// system's (`CURLOPT_CAINFO`): for a server whose certificate comes from a private CA.
    public var certificateAuthorities: String?

    public init(
        method: Method = .get,
        url: String,
        headers: [(String, String)] = [],
        body: [UInt8] = [],
        connectTimeout: Duration = .seconds(10),
        totalTimeout: Duration = .seconds(30)
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
    }
}
