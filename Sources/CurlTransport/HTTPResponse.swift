/// A complete HTTP response. Every status code, 4xx and 5xx included, is a response, not an error: retry and
/// dead-letter decisions belong to the caller.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header fields of the final response, in the order received (those of `100 Continue` or redirects are dropped).
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// How many new connections libcurl opened for this transfer (`CURLINFO_NUM_CONNECTS`): 0 when it reused a
    /// kept-alive connection from the client's cache.
    public var newConnections: Int
    /// The body was longer than the request's `maximumResponseBytes`: `body` holds its start, the rest was not read.
    public var bodyTruncated: Bool

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = [], newConnections: Int = 0, bodyTruncated: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.newConnections = newConnections
        self.bodyTruncated = bodyTruncated
    }

    /// The value of the first header field named `name`, compared case-insensitively as HTTP requires.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.0.lowercased() == wanted }?.1
    }
}
