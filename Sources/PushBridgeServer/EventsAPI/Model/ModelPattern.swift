/// The model's regular expressions, each compiled once into a ``LinearPattern``. AWS matches a pattern against
/// the whole value (Java's `matches`), so `^`/`$` in a pattern change nothing.
enum ModelPattern {
    private static let compiled: [String: LinearPattern] = {
        var compiled: [String: LinearPattern] = [:]
        for shape in ServiceModel.events.shapes.values {
            guard case .string(_, let pattern?, _, _) = shape, compiled[pattern] == nil else { continue }
            compiled[pattern] = try? LinearPattern(pattern)
        }
        return compiled
    }()

    /// A pattern that does not compile matches everything: a test keeps ``uncompilable(in:)`` empty.
    static func matches(_ text: String, pattern: String) -> Bool {
        guard let linear = compiled[pattern] ?? (try? LinearPattern(pattern)) else { return true }
        return linear.wholeMatch(text)
    }

    /// The model's patterns that ``LinearPattern`` cannot read.
    static func uncompilable(in model: ServiceModel) -> [String] {
        model.shapes.values.compactMap { shape in
            guard case .string(_, let pattern?, _, _) = shape, (try? LinearPattern(pattern)) == nil else { return nil }
            return pattern
        }
    }
}
