/// What a signature covers of an inbound request, body aside, exactly as it arrived.
///
/// The path and query stay raw (still percent-encoded) because the canonical request is built from the bytes the
/// client sent: `@` arrives literal and `=` as `%3D`, and SigV4 encodes them once more.
public struct InboundRequestHead: Sendable {
    public var method: String
    /// The path as sent, e.g. `/dev/@connections/abc%3D`.
    public var path: String
    /// The raw query without the leading `?`; empty when there is none.
    public var query: String
    /// Every header field in the order received (`Host` included), repeated names kept.
    public var headers: [(name: String, value: String)]

    public init(method: String, path: String, query: String = "", headers: [(name: String, value: String)]) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
    }

    /// Splits a request target (`/path?query`) at its first `?`.
    public init(method: String, target: String, headers: [(name: String, value: String)]) {
        if let questionMark = target.firstIndex(of: "?") {
            self.init(
                method: method,
                path: String(target[..<questionMark]),
                query: String(target[target.index(after: questionMark)...]),
                headers: headers
            )
        } else {
            self.init(method: method, path: target, headers: headers)
        }
    }

    /// The values of the header `lowercasedName`, in the order received.
    func values(of lowercasedName: String) -> [String] {
        headers.compactMap { Self.name($0.name, is: lowercasedName) ? $0.value : nil }
    }

    /// The first value of the header `lowercasedName`. Looked up on every PutEvents: names are compared byte by
    /// byte, without making a lowercased copy of each.
    public func firstValue(of lowercasedName: String) -> String? {
        headers.first { Self.name($0.name, is: lowercasedName) }?.value
    }

    /// Whether a header name equals `lowercasedName`, ignoring ASCII case.
    static func name(_ name: String, is lowercasedName: String) -> Bool {
        guard name.utf8.count == lowercasedName.utf8.count else { return false }
        return zip(name.utf8, lowercasedName.utf8).allSatisfy { byte, lower in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 == lower : byte == lower
        }
    }
}
