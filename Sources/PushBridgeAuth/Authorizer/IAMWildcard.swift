/// An IAM `Action` or `Resource` value: `*` matches any run of characters (`/` and `:` included, none too), `?`
/// exactly one; everything else matches itself. Actions compare without regard to case, resources exactly, as IAM does.
public struct IAMWildcard: Sendable, Hashable, CustomStringConvertible {
    private let pattern: [Unicode.Scalar]
    private let ignoringCase: Bool
    public let description: String

    public init(_ text: String, ignoringCase: Bool = false) {
        description = text
        self.ignoringCase = ignoringCase
        pattern = Array((ignoringCase ? text.lowercased() : text).unicodeScalars)
    }

    /// Whether `text` matches. The usual two-pointer walk that returns to the last `*` on a mismatch: at most
    /// pattern × text steps, with no recursion for a hostile pattern to exploit.
    public func matches(_ text: String) -> Bool {
        let subject = Array((ignoringCase ? text.lowercased() : text).unicodeScalars)
        var (p, s) = (0, 0)
        var lastStar: Int?
        var resumeAt = 0
        while s < subject.count {
            if p < pattern.count, pattern[p] == "?" || (pattern[p] != "*" && pattern[p] == subject[s]) {
                p += 1
                s += 1
            } else if p < pattern.count, pattern[p] == "*" {
                lastStar = p
                resumeAt = s
                p += 1
            } else if let star = lastStar {
                p = star + 1
                resumeAt += 1
                s = resumeAt
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
