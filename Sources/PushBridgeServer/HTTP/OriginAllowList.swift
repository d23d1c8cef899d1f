import Foundation

/// The browser origins PushBridge trusts (`--allowed-origins`), compared as RFC 6454 serializes them: scheme, host
/// and port, case-insensitively, a trailing `/` ignored.
public struct OriginAllowList: Sendable, Equatable {
    public let origins: Set<String>

    /// From a comma-separated list such as `https://app.example.com,http://localhost:3000`.
    public init(commaSeparated text: String) {
        origins = Set(text.split(separator: ",").map { Self.normalized(String($0)) }.filter { !$0.isEmpty })
    }

    public init(_ origins: [String]) {
        self.origins = Set(origins.map(Self.normalized).filter { !$0.isEmpty })
    }

    public func allows(_ origin: String) -> Bool {
        origins.contains(Self.normalized(origin))
    }

    /// Whether a browser request from `origin` may be served: it is the server's own (`ownOrigin`, built from the
    /// `Host` it was sent to) or in `allowed` (`--allowed-origins`, nil when not set).
    static func trusts(_ origin: String, ownOrigin: String?, allowed: OriginAllowList?) -> Bool {
        origin.lowercased() == ownOrigin?.lowercased() || (allowed?.allows(origin) ?? false)
    }

    static func normalized(_ origin: String) -> String {
        var text = origin.trimmingCharacters(in: .whitespaces).lowercased()
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
