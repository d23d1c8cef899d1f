import NIOPosix

/// The model's regular expressions. AWS matches a pattern against the whole value (Java's `matches`), so `^`/`$`
/// in a pattern change nothing.
enum ModelPattern {
    /// Each thread's compiled expressions. Swift's `Regex` is not `Sendable` (it compiles its program lazily), so
    /// none is shared between threads: each is compiled on first use on a thread and used only there.
    private final class Compiled: @unchecked Sendable {
        var expressions: [String: Regex<AnyRegexOutput>?] = [:]
    }

    private static let perThread = ThreadSpecificVariable<Compiled>()

    static func matches(_ text: String, pattern: String) -> Bool {
        let compiled: Compiled
        if let existing = perThread.currentValue {
            compiled = existing
        } else {
            compiled = Compiled()
            perThread.currentValue = compiled
        }
        let regex: Regex<AnyRegexOutput>?
        if let known = compiled.expressions[pattern] {
            regex = known
        } else {
            regex = try? Regex(pattern)
            compiled.expressions[pattern] = .some(regex)
        }
        guard let regex else { return true }
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
