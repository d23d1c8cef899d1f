/// A `numeric` condition: an interval with optional, open or closed ends. `=` is a closed interval of one
/// point. Bounds are exact doubles (see ``NumberText``), so comparison is plain IEEE-754.
struct NumericRange: Sendable, Hashable {
    var lower: Double?
    var lowerInclusive = false
    var upper: Double?
    var upperInclusive = false

    func contains(_ value: Double) -> Bool {
        if let lower {
            guard lowerInclusive ? value >= lower : value > lower else { return false }
        }
        if let upper {
            guard upperInclusive ? value <= upper : value < upper else { return false }
        }
        return true
    }
}
