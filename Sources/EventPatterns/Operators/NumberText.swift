/// Decides when a JSON number has an exact `Double` value.
///
/// event-ruler ≥ 1.8 compares numbers as IEEE-754 doubles and refuses pattern numbers whose text does not
/// survive the trip to a double: `0.30000000000000001` or `1e400`. "Survives" means the shortest decimal
/// that identifies the double (Swift's `description`, Java's `Double.toString`) has the same decimal value
/// as the text, so `0.3`, `300.000` and `3e2` qualify and `123456789012345678901` does not.
///
/// Choice: the same rule applies to event numbers. An event number without an exact value never matches
/// numerically (no `numeric`, no by-value equality) and only matches a pattern number with identical text.
enum NumberText {
    static func exactDouble(_ text: String) -> Double? {
        guard let value = Double(text), value.isFinite else { return nil }
        guard let written = Decimal(text), let shortest = Decimal(value.description), written == shortest else { return nil }
        return value == 0 ? 0 : value
    }

    /// A decimal number normalised to sign, significant digits and exponent, so that `300`, `3.00e2` and
    /// `0.0003e6` compare equal without floating-point arithmetic.
    struct Decimal: Equatable {
        var negative: Bool
        var digits: [UInt8]
        var exponent: Int

        init?(_ text: String) {
            var bytes = Array(text.utf8)[...]
            negative = bytes.first == UInt8(ascii: "-")
            if negative || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
            var mantissa: [UInt8] = []
            var pointOffset: Int?
            var exponentValue = 0
            while let byte = bytes.first {
                if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                    mantissa.append(byte - UInt8(ascii: "0"))
                } else if byte == UInt8(ascii: "."), pointOffset == nil {
                    pointOffset = mantissa.count
                } else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                    guard let parsed = Int(String(decoding: bytes.dropFirst(), as: UTF8.self)) else { return nil }
                    exponentValue = parsed
                    break
                } else {
                    return nil
                }
                bytes = bytes.dropFirst()
            }
            guard !mantissa.isEmpty else { return nil }
            // value = 0.mantissa × 10^(integerDigits + exponent)
            var scale = (pointOffset ?? mantissa.count) + exponentValue
            var start = 0
            while start < mantissa.count && mantissa[start] == 0 {
                start += 1
                scale -= 1
            }
            var end = mantissa.count
            while end > start && mantissa[end - 1] == 0 { end -= 1 }
            digits = Array(mantissa[start..<end])
            exponent = digits.isEmpty ? 0 : scale
            if digits.isEmpty { negative = false }
        }
    }
}
