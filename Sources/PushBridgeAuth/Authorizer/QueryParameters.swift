import Foundation

/// A request target's query string, percent-decoded, as API Gateway lists it: every value of a name in order, names in
/// the order they first appear. A name without `=` has the value "".
public struct QueryParameters: Sendable, Equatable {
    public private(set) var names: [String] = []
    public private(set) var values: [String: [String]] = [:]

    public init(uri: String) {
        guard let questionMark = uri.firstIndex(of: "?") else { return }
        let query = uri[uri.index(after: questionMark)...].prefix { $0 != "#" }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decoded(parts[0])
            let value = parts.count == 2 ? Self.decoded(parts[1]) : ""
            if values[name] == nil { names.append(name) }
            values[name, default: []].append(value)
        }
    }

    /// Percent-decoded; text that does not decode (a lone `%`) is kept as sent.
    private static func decoded(_ text: Substring) -> String {
        let raw = String(text)
        return raw.removingPercentEncoding ?? raw
    }
}
