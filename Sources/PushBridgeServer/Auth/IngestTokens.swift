import AWSSigV4
import Crypto
import Foundation

/// The bearer tokens `POST /events` accepts (`--ingest-tokens-file`): one a line, `#` starts a comment line.
///
/// Only their SHA-256 digests are kept, and a presented token is compared with every one of them in constant time,
/// so neither which token matched nor how much of one did shows in the time taken.
struct IngestTokens: Sendable {
    private let digests: [[UInt8]]

    var count: Int { digests.count }

    init(_ tokens: [String]) {
        var seen = Set<[UInt8]>()
        digests = tokens.map { Self.digest($0) }.filter { seen.insert($0).inserted }
    }

    /// Reads the file's text; `path` is named in errors only. A token holds printable ASCII without spaces, as a
    /// bearer token must to travel in a header unchanged.
    static func parse(_ text: String, path: String) throws(InboundAuthentication.LoadError) -> IngestTokens {
        var tokens: [String] = []
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let token = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if token.isEmpty || token.hasPrefix("#") { continue }
            guard token.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) else {
                throw .init(
                    description: "--ingest-tokens-file \(path):\(index + 1): a token may hold printable ASCII only, without spaces (one token a line)"
                )
            }
            tokens.append(token)
        }
        guard !tokens.isEmpty else {
            throw .init(description: "--ingest-tokens-file \(path): no token in the file (one a line; lines starting with # are comments)")
        }
        return IngestTokens(tokens)
    }

    func accepts(_ presented: some StringProtocol) -> Bool {
        match(presented) != nil
    }

    /// Which token (its place among the file's distinct tokens) `presented` is; nil if none.
    func match(_ presented: some StringProtocol) -> Int? {
        let digest = Self.digest(presented)
        var matched: Int?
        for (index, expected) in digests.enumerated() {
            // Evaluated for every token: no early exit.
            if ConstantTime.isEqual(digest, expected) { matched = index }
        }
        return matched
    }

    private static func digest(_ token: some StringProtocol) -> [UInt8] {
        Array(SHA256.hash(data: Array(token.utf8)))
    }
}
