/// A JSON number: its text as written, and its value as a `Double` when the text is within `Double`'s range.
///
/// Numbers compare by value where both are representable (`300`, `300.0` and `3e2` are equal), and by text
/// otherwise, which is how EventBridge's matcher treats numbers it cannot represent.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    public let double: Double?

    /// - Parameter text: JSON number text; the caller guarantees it is valid JSON number syntax.
    public init(text: String) {
        self.text = text
        if let value = Double(text), value.isFinite {
            self.double = value
        } else {
            self.double = nil
        }
    }

    public init(_ value: Int) {
        self.text = String(value)
        self.double = Double(value)
    }

    public init(_ value: Double) {
        if value.rounded() == value, abs(value) < 1e15 {
            self.text = String(Int64(value))
        } else {
            self.text = "\(value)"
        }
        self.double = value.isFinite ? value : nil
    }

    /// The value as an `Int64` when the text is an integer in range.
    public var int64: Int64? { Int64(text) }

    public var description: String { text }

    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if let l = lhs.double, let r = rhs.double { return l == r }
        return lhs.text == rhs.text
    }

    public func hash(into hasher: inout Hasher) {
        if let double { hasher.combine(double) } else { hasher.combine(text) }
    }
}
