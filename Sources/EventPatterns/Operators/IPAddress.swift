/// IP address parsing for `cidr` and for exact string patterns that are IP literals.
///
/// Follows event-ruler: a string is an IP candidate when it looks like `d+.d+.d+.d+` or like hex digits
/// and colons with at least one colon. IPv4 parts are decimal (leading zeros allowed, each ≤ 255); IPv6
/// accepts `::` compression but no embedded dotted quad (Ruler's pattern has no dots). Addresses are 4 or
/// 16 bytes; an IPv4-mapped IPv6 address stays 16 bytes and so never falls in an IPv4 block.
enum IPAddress {
    /// The address bytes, or `nil` if `bytes` is not a valid IP literal.
    static func parse(_ bytes: some Collection<UInt8>) -> [UInt8]? {
        if looksLikeIPv4(bytes) { return parseIPv4(bytes) }
        if looksLikeIPv6(bytes) { return parseIPv6(bytes) }
        return nil
    }

    static func looksLikeIP(_ bytes: some Collection<UInt8>) -> Bool { looksLikeIPv4(bytes) || looksLikeIPv6(bytes) }

    static func looksLikeIPv4(_ bytes: some Collection<UInt8>) -> Bool {
        var dots = 0
        var digitsInPart = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard digitsInPart > 0 else { return false }
                dots += 1
                digitsInPart = 0
            } else if isDigit(byte) {
                digitsInPart += 1
            } else {
                return false
            }
        }
        return dots == 3 && digitsInPart > 0
    }

    static func looksLikeIPv6(_ bytes: some Collection<UInt8>) -> Bool {
        var colon = false
        for byte in bytes {
            if byte == UInt8(ascii: ":") {
                colon = true
            } else if hexValue(byte) == nil {
                return false
            }
        }
        return colon
    }

    private static func parseIPv4(_ bytes: some Collection<UInt8>) -> [UInt8]? {
        var result: [UInt8] = []
        for part in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            var value = 0
            for byte in part {
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                if value > 255 { return nil }
            }
            result.append(UInt8(value))
        }
        return result.count == 4 ? result : nil
    }

    private static func parseIPv6(_ bytes: some Collection<UInt8>) -> [UInt8]? {
        let text = Array(bytes)
        var gap: Int?
        var index = 0
        while index + 1 < text.count {
            if text[index] == UInt8(ascii: ":") && text[index + 1] == UInt8(ascii: ":") {
                guard gap == nil else { return nil }
                gap = index
                index += 2
            } else {
                index += 1
            }
        }
        let groups: [UInt16]
        if let gap {
            guard let head = hexGroups(text[..<gap]), let tail = hexGroups(text[(gap + 2)...]), head.count + tail.count <= 7 else {
                return nil
            }
            groups = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let all = hexGroups(text[...]), all.count == 8 else { return nil }
            groups = all
        }
        return groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }

    private static func hexGroups(_ text: ArraySlice<UInt8>) -> [UInt16]? {
        guard !text.isEmpty else { return [] }
        var groups: [UInt16] = []
        for piece in text.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false) {
            guard (1...4).contains(piece.count) else { return nil }
            var value: UInt16 = 0
            for byte in piece {
                guard let digit = hexValue(byte) else { return nil }
                value = value << 4 | UInt16(digit)
            }
            groups.append(value)
        }
        return groups
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
