/// Comparison whose time does not depend on where two byte strings differ, so a signature or a token cannot be
/// guessed one byte at a time by timing the answers.
public enum ConstantTime {
    /// True when `lhs` and `rhs` hold the same bytes. Only the lengths influence the time taken.
    public static func isEqual(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        var difference: UInt8 = lhs.count == rhs.count ? 0 : 1
        var left = lhs.makeIterator()
        var right = rhs.makeIterator()
        for _ in 0..<max(lhs.count, rhs.count) {
            difference |= (left.next() ?? 0) ^ (right.next() ?? 0)
        }
        return difference == 0
    }
}
