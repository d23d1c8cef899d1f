/// An internal validation failure carrying Ruler's reason text; ``EventPattern`` wraps it into
/// ``InvalidEventPattern`` together with the pattern source.
struct PatternError: Error, Sendable {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
