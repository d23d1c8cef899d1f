/// An entity-id pattern from a token's claim: `*` matches any run of characters (none included); everything else
/// matches itself. `*` alone matches every entity.
public struct GlobPattern: Sendable, Hashable, CustomStringConvertible {
    private let pieces: [Substring]
    public let description: String

    public init(_ text: String) {
        description = text
        pieces = text.split(separator: "*", omittingEmptySubsequences: false)
    }

    /// Whether `text` matches. Greedy, leftmost piece by piece: each literal run between stars is found at its
    /// first occurrence, so the cost is linear in the text per piece, never exponential.
    public func matches(_ text: String) -> Bool {
        guard pieces.count > 1 else { return text == description }
        var rest = Substring(text)
        let first = pieces[0]
        let last = pieces[pieces.count - 1]
        guard rest.hasPrefix(first) else { return false }
        rest = rest.dropFirst(first.count)
        for piece in pieces.dropFirst().dropLast() where !piece.isEmpty {
            guard let found = rest.firstRange(of: piece) else { return false }
            rest = rest[found.upperBound...]
        }
        return rest.count >= last.count && rest.hasSuffix(last)
    }
}
