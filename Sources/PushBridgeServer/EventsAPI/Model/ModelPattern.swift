/// The model's regular expressions. AWS matches a pattern against the whole value (Java's `matches`), so `^`/`$`
/// in a pattern change nothing.
///
/// Compiled at each use: Swift's `Regex` is not `Sendable` (it compiles its program lazily), and these checks run
/// only for the configuration operations, never for PutEvents' entries.
enum ModelPattern {
    static func matches(_ text: String, pattern: String) -> Bool {
        guard let regex = try? Regex(pattern) else { return true }
        return (try? regex.wholeMatch(in: text)) != nil
    }

    /// The model's patterns that Swift's regular expressions cannot compile (a test keeps this empty).
    static func uncompilable(in model: ServiceModel) -> [String] {
        model.shapes.values.compactMap { shape in
            guard case .string(_, let pattern?, _, _) = shape, (try? Regex(pattern)) == nil else { return nil }
            return pattern
        }
    }
}
