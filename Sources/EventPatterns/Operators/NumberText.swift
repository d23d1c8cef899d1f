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
                    guard let parsed = Self.clampedExponent(bytes.dropFirst()) else { return nil }
                    exponentValue = parsed
                    break
                } else {
                    return nil
                }
                bytes = bytes.dropFirst()
            }
            guard !mantissa.isEmpty else { return nil }
            // value = 0.mantissa × 10^(integerDigits + exponent). Cannot overflow: the exponent is clamped and the
            // rest are counts of bytes held in memory.
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

        /// Exponents are clamped to ±`exponentLimit` so that the scale arithmetic above cannot overflow: an event
        /// number such as `0e9223372036854775807` used to trap and stop the server. Past the limit the value is
        /// zero or far outside `Double`'s range whatever the digits (only a mantissa of billions of digits could
        /// bring it back), so clamping changes no result; `0e99999999999999999999` is exactly 0, like `0e5`.
        static let exponentLimit = 1 << 32

        /// The value of an exponent's text (optional sign, then digits), saturated at ±``exponentLimit``.
        private static func clampedExponent(_ text: ArraySlice<UInt8>) -> Int? {
            var digits = text
            let negative = digits.first == UInt8(ascii: "-")
            if negative || digits.first == UInt8(ascii: "+") { digits = digits.dropFirst() }
            guard !digits.isEmpty else { return nil }
            var magnitude = 0
            for byte in digits {
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
                magnitude = min(magnitude * 10 + Int(byte - UInt8(ascii: "0")), exponentLimit)
            }
            return negative ? -magnitude : magnitude
        }
    }
}
