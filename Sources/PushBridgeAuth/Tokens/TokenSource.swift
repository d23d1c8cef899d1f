import Foundation

/// Where a client put its token on the `$connect` request, looked up in the sample's order: the second value of
/// `Sec-WebSocket-Protocol` (`websocket, <jwt>`, what browsers can send), then `Authorization: Bearer`, then the
/// `access_token` query parameter.
public enum TokenSource: String, Sendable, Equatable, CaseIterable {
    case subprotocol
    case bearer
    case query

    /// A token and where it was found.
    public struct Found: Sendable, Equatable {
        public let token: String
        public let source: TokenSource

        public init(token: String, source: TokenSource) {
            self.token = token
            self.source = source
        }
    }

    /// Tokens longer than this are refused before any parsing (API Gateway's authorizer identity sources are
    /// header values, which our request head limit bounds anyway).
    public static let maximumTokenLength = 16 * 1024

    /// The first token found, or nil when the request carries none.
    ///
    /// - Parameters:
    ///   - subprotocols: every `Sec-WebSocket-Protocol` header value, as sent (each may hold a comma list).
    ///   - authorization: the `Authorization` header values.
    ///   - uri: the request target, whose query may hold `access_token`.
    public static func find(subprotocols: [String], authorization: [String], uri: String) -> Found? {
        if let token = fromSubprotocols(subprotocols) { return Found(token: token, source: .subprotocol) }
        if let token = fromAuthorization(authorization) { return Found(token: token, source: .bearer) }
        if let token = fromQuery(of: uri) { return Found(token: token, source: .query) }
        return nil
    }

    /// `websocket, <jwt>`: the first offered protocol must be `websocket` (any case), the token is the second.
    static func fromSubprotocols(_ values: [String]) -> String? {
        let offered = values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        guard offered.count >= 2, offered[0].lowercased() == "websocket" else { return nil }
        return nonEmpty(offered[1])
    }

    /// `Bearer <jwt>`, the scheme in any case (RFC 7235).
    static func fromAuthorization(_ values: [String]) -> String? {
        for value in values {
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            let scheme = "bearer "
            guard trimmed.count > scheme.count, trimmed.prefix(scheme.count).lowercased() == scheme else { continue }
            if let token = nonEmpty(trimmed.dropFirst(scheme.count).trimmingCharacters(in: .whitespaces)) { return token }
        }
        return nil
    }

    /// `?access_token=<jwt>`, percent-decoded; the first non-empty one.
    static func fromQuery(of uri: String) -> String? {
        guard let questionMark = uri.firstIndex(of: "?") else { return nil }
        let query = uri[uri.index(after: questionMark)...].prefix { $0 != "#" }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == "access_token" else { continue }
            let raw = String(parts[1])
            if let token = nonEmpty(raw.removingPercentEncoding ?? raw) { return token }
        }
        return nil
    }

    private static func nonEmpty(_ text: some StringProtocol) -> String? {
        text.isEmpty ? nil : String(text)
    }
}
