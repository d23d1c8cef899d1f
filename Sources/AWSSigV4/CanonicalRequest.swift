/// SigV4 step 1: the canonical request, one line per component joined by `\n`.
///
/// Kept separate from the signer so the rules (each of which the official test suite pins with a case of its own)
/// can be read in one place and reused by a verifier that recomputes an inbound signature.
struct CanonicalRequest {
    /// The full canonical request text.
    let text: String
    /// `;`-joined lowercase header names, sorted.
    let signedHeaders: String

    init(
        method: String,
        path: String,
        query: String,
        extraQuery: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)],
        payloadHash: String,
        normalizePath: Bool
    ) {
        let (headerBlock, signedHeaders) = Self.canonicalHeaders(headers)
        self.signedHeaders = signedHeaders
        self.text = [
            method,
            Self.canonicalURI(path: path, normalize: normalizePath),
            Self.canonicalQuery(query, extra: extraQuery),
            headerBlock,
            signedHeaders,
            payloadHash,
        ]
        .joined(separator: "\n")
    }

    /// The path as sent, optionally normalised, then percent-encoded again (every service but S3 double-encodes,
    /// which is why `@` becomes `%40` and `%3D` becomes `%253D`).
    static func canonicalURI(path: String, normalize: Bool) -> String {
        var path = path.isEmpty ? "/" : path
        if normalize {
            path = removingDotSegments(path)
        }
        return URIEncoding.encode(path.utf8, keepSlash: true)
    }

    /// Drops empty segments (`//`) and `.`, resolves `..`, and keeps a trailing slash, so `//example//` → `/example/`
    /// and `/example/..` → `/`, as the suite's `*-normalized` cases require.
    static func removingDotSegments(_ path: String) -> String {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        var kept: [Substring] = []
        for segment in segments {
            switch segment {
            case ".": continue
            case "..": _ = kept.popLast()
            default: kept.append(segment)
            }
        }
        var result = "/" + kept.joined(separator: "/")
        let endsInDirectory = path.hasSuffix("/") || segments.last == "." || segments.last == ".."
        if endsInDirectory && !kept.isEmpty {
            result += "/"
        }
        return result
    }

    /// Decodes each key and value of the raw query, re-encodes them with the strict set (`/` included), appends the
    /// unencoded `extra` parameters (presigning), and sorts by key, then value, byte-wise. A bare key gives `key=`.
    static func canonicalQuery(_ raw: String, extra: [(name: String, value: String)] = []) -> String {
        var pairs: [(key: String, value: String)] = []
        for parameter in raw.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let key: Substring.UTF8View.SubSequence
            let value: Substring.UTF8View.SubSequence
            if let equals = parameter.firstIndex(of: UInt8(ascii: "=")) {
                key = parameter[..<equals]
                value = parameter[parameter.index(after: equals)...]
            } else {
                key = parameter
                value = parameter[parameter.endIndex...]
            }
            pairs.append(
                (URIEncoding.encode(URIEncoding.decode(key), keepSlash: false), URIEncoding.encode(URIEncoding.decode(value), keepSlash: false))
            )
        }
        for (name, value) in extra {
            pairs.append((URIEncoding.encode(name.utf8, keepSlash: false), URIEncoding.encode(value.utf8, keepSlash: false)))
        }
        pairs.sort { lhs, rhs in
            if lhs.key != rhs.key {
                return lhs.key.utf8.lexicographicallyPrecedes(rhs.key.utf8)
            }
            return lhs.value.utf8.lexicographicallyPrecedes(rhs.value.utf8)
        }
        return pairs.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
    }

    /// Lower-cases names, trims values and collapses inner whitespace runs (folded multi-line values included) to
    /// one space, joins repeated names with `,` in the order sent, and sorts by name. Returns the `name:value\n`
    /// block and the signed-header list.
    static func canonicalHeaders(_ headers: [(name: String, value: String)]) -> (block: String, signedHeaders: String) {
        var order: [String] = []
        var values: [String: [String]] = [:]
        for (name, value) in headers {
            let name = String(decoding: trimmingWhitespace(Array(name.utf8)).map(lowercasedASCII), as: UTF8.self)
            if values[name] == nil {
                order.append(name)
            }
            values[name, default: []].append(normalizedValue(value))
        }
        order.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var block = ""
        for name in order {
            block += name + ":" + values[name, default: []].joined(separator: ",") + "\n"
        }
        return (block, order.joined(separator: ";"))
    }

    static func normalizedValue(_ value: String) -> String {
        var out: [UInt8] = []
        var pendingSpace = false
        for byte in trimmingWhitespace(Array(value.utf8)) {
            if isWhitespace(byte) {
                pendingSpace = true
                continue
            }
            if pendingSpace {
                out.append(UInt8(ascii: " "))
                pendingSpace = false
            }
            out.append(byte)
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func trimmingWhitespace(_ bytes: [UInt8]) -> ArraySlice<UInt8> {
        guard let first = bytes.firstIndex(where: { !isWhitespace($0) }),
            let last = bytes.lastIndex(where: { !isWhitespace($0) })
        else { return [] }
        return bytes[first...last]
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n")
    }

    private static func lowercasedASCII(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }
}
