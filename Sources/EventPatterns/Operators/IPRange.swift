/// A `cidr` block as an inclusive byte range, compared lexicographically against 4- or 16-byte addresses.
///
/// Choice (follows event-ruler's `CIDR.cidr`): the low end is the address *as written* and the high end
/// is that address with the host bits set, so `10.0.0.5/24` covers `10.0.0.5 … 10.0.0.255`; `/32` and
/// `/128` are rejected with Ruler's messages.
struct IPRange: Sendable, Hashable {
    let low: [UInt8]
    let high: [UInt8]

    init(low: [UInt8], high: [UInt8]) {
        self.low = low
        self.high = high
    }

    /// Parses `address/bits` with Ruler's validation order and texts.
    init(cidr text: String) throws(PatternError) {
        // Java's String.split drops trailing empty strings, so "10.0.0.0/" has one part.
        var parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        while parts.count > 1 && parts.last == "" { parts.removeLast() }
        guard parts.count == 2 else { throw PatternError("Malformed CIDR, one '/' required") }
        guard let bits = Int(parts[1]) else { throw PatternError("Malformed CIDR, mask bits must be an integer") }
        guard bits >= 0 else { throw PatternError("Malformed CIDR, mask bits must not be negative") }
        let addressBytes = Array(parts[0].utf8)
        guard IPAddress.looksLikeIP(addressBytes) else { throw PatternError("Nonstandard IP address: \(parts[0])") }
        guard let address = IPAddress.parse(addressBytes) else { throw PatternError("Invalid IP address: \(parts[0])") }
        if address.count == 4 {
            guard bits <= 31 else { throw PatternError("IPv4 mask bits must be < 32") }
        } else {
            guard bits <= 127 else { throw PatternError("IPv6 mask bits must be < 128") }
        }
        var high = address
        var hostBits = address.count * 8 - bits
        var position = address.count - 1
        while hostBits > 0 && position >= 0 {
            high[position] |= hostBits >= 8 ? 0xFF : UInt8((1 << hostBits) - 1)
            hostBits -= 8
            position -= 1
        }
        self.init(low: address, high: high)
    }

    func contains(_ address: [UInt8]) -> Bool {
        address.count == low.count && !address.lexicographicallyPrecedes(low) && !high.lexicographicallyPrecedes(address)
    }
}
