import Foundation

/// What identifies a caller to the authorizer (`--authorizer-identity-source`): a `$connect` without it is answered
/// 401 without asking the webhook, and answers are cached per its values, as API Gateway does.
public enum AuthorizerIdentitySource: Sendable, Equatable, CustomStringConvertible {
    /// The token wherever the JWT authenticator looks for one (``TokenSource``): the second value of
    /// `Sec-WebSocket-Protocol`, `Authorization: Bearer`, or the `access_token` query parameter.
    case token
    /// API Gateway's list: every named header and query parameter must be present and not empty.
    case parameters([Parameter])

    public enum Parameter: Sendable, Equatable, CustomStringConvertible {
        case header(String)
        case queryString(String)

        public var description: String {
            switch self {
            case .header(let name): "route.request.header.\(name)"
            case .queryString(let name): "route.request.querystring.\(name)"
            }
        }
    }

    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public let text: String
        public var description: String {
            """
            '\(text)' is not an identity source: use 'token', or a comma-separated list of route.request.header.NAME \
            and route.request.querystring.NAME
            """
        }
    }

    /// `token`, or `route.request.header.Authorization,route.request.querystring.access_token` and the like.
    public init(parsing text: String) throws(Invalid) {
        if text == "token" {
            self = .token
            return
        }
        var parameters: [Parameter] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = item.trimmingCharacters(in: .whitespaces)
            let header = "route.request.header."
            let query = "route.request.querystring."
            if item.hasPrefix(header), item.count > header.count {
                parameters.append(.header(String(item.dropFirst(header.count))))
            } else if item.hasPrefix(query), item.count > query.count {
                parameters.append(.queryString(String(item.dropFirst(query.count))))
            } else {
                throw Invalid(text: text)
            }
        }
        self = .parameters(parameters)
    }

    public var description: String {
        switch self {
        case .token: "token"
        case .parameters(let parameters): parameters.map(\.description).joined(separator: ",")
        }
    }

    /// The identity's values on this request, or nil when one is missing or empty (401).
    ///
    /// - Parameters:
    ///   - headers: the request's header fields as sent.
    ///   - uri: the request target, whose query may hold parameters.
    public func values(headers: [(name: String, value: String)], uri: String) -> [String]? {
        func header(_ name: String) -> [String] {
            headers.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
        }
        switch self {
        case .token:
            let found = TokenSource.find(subprotocols: header("Sec-WebSocket-Protocol"), authorization: header("Authorization"), uri: uri)
            return found.map { [$0.token] }
        case .parameters(let parameters):
            let query = QueryParameters(uri: uri)
            var values: [String] = []
            for parameter in parameters {
                let value: String?
                switch parameter {
                case .header(let name): value = header(name).last
                case .queryString(let name): value = query.values[name]?.last
                }
                guard let value, !value.isEmpty else { return nil }
                values.append(value)
            }
            return values
        }
    }
}
