/// A set of Unicode scalars as a regular expression names it: a character class, an escape such as `\w`, or `.`.
/// The predefined classes mean what they mean in Java, whose patterns AWS's model holds: ASCII-only `\w`, `\d`
/// and `\s`, and Unicode general categories for `\p{L}`, `\p{Z}` and `\p{N}`.
struct ScalarClass: Sendable {
    enum Item: Sendable {
        case range(UInt32, UInt32)
        case word, digit, space, letter, separator, number
        /// `.`: anything but a line terminator.
        case anyButNewline
    }

    var items: [Item]
    var negated = false

    static func scalar(_ value: UInt32) -> ScalarClass { ScalarClass(items: [.range(value, value)]) }

    func contains(_ scalar: Unicode.Scalar) -> Bool {
        items.contains { Self.item($0, contains: scalar) } != negated
    }

    private static func item(_ item: Item, contains scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        switch item {
        case .range(let low, let high): return (low...high).contains(value)
        case .word: return scalar.isASCII && (isASCIILetterOrDigit(value) || value == 0x5F)
        case .digit: return (0x30...0x39).contains(value)
        case .space: return [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D].contains(value)
        case .anyButNewline: return ![0x0A, 0x0D, 0x85, 0x2028, 0x2029].contains(value)
        case .letter:
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
            default: return false
            }
        case .separator:
            switch scalar.properties.generalCategory {
            case .spaceSeparator, .lineSeparator, .paragraphSeparator: return true
            default: return false
            }
        case .number:
            switch scalar.properties.generalCategory {
            case .decimalNumber, .letterNumber, .otherNumber: return true
            default: return false
            }
        }
    }

    private static func isASCIILetterOrDigit(_ value: UInt32) -> Bool {
        (0x30...0x39).contains(value) || (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value)
    }
}
