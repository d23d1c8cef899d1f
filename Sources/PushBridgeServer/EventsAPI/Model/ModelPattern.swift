/// The model's regular expressions, read by ``LinearPattern`` (each compiled once, in ``ResolvedShape``). AWS
/// matches a pattern against the whole value (Java's `matches`), so `^`/`$` in a pattern change nothing.
enum ModelPattern {
    /// The model's patterns that ``LinearPattern`` cannot read (such a pattern would match everything).
    static func uncompilable(in model: ServiceModel) -> [String] {
        model.shapes.values.compactMap { shape in
            guard case .string(_, let pattern?, _, _) = shape, (try? LinearPattern(pattern)) == nil else { return nil }
            return pattern
        }
    }
}
