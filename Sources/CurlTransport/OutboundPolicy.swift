import CCurl

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where outbound requests may not go (`--outbound-deny`): address ranges checked against each address a host
/// name resolves to, just before connecting. A webhook URL or an endpoint is configuration that API users write;
/// without this, a rule could make the server call the cloud metadata service and forward what it answers.
public struct OutboundPolicy: Sendable, Equatable {
    /// One range in CIDR notation, parsed.
    public struct Range: Sendable, Equatable, CustomStringConvertible {
        public let address: [UInt8]
        public let prefix: Int
        public let description: String

        /// `169.254.0.0/16`, `fd00:ec2::254/128`, or a single address (a /32 or /128).
        public init?(_ text: String) {
            let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            guard let bytes = Self.parseAddress(String(parts[0])) else { return nil }
            let bits = bytes.count * 8
            var prefix = bits
            if parts.count == 2 {
                // Digits only, and few of them: a prefix from the command line is bounded before it is used.
                guard (1...3).contains(parts[1].count), parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(parts[1]),
                    (0...bits).contains(value)
                else { return nil }
                prefix = value
            }
            self.address = bytes
            self.prefix = prefix
            self.description = text
        }

        private static func parseAddress(_ text: String) -> [UInt8]? {
            var v4 = in_addr()
            if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
            var v6 = in6_addr()
            if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
            return nil
        }
    }

    public let denied: [Range]

    public init(denied: [Range]) { self.denied = denied }

    /// Link-local addresses (where cloud metadata services answer: 169.254.169.254, fd00:ec2::254 is EC2's IPv6 one).
    public static let defaultDenied = ["169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128"]

    public static let `default` = OutboundPolicy(denied: defaultDenied.compactMap(Range.init))

    /// Nothing denied.
    public static let allowAll = OutboundPolicy(denied: [])

    /// The ranges in libcurl's callback's form, allocated once per client and never freed while it lives.
    func makeCRanges() -> UnsafeMutableBufferPointer<ccurl_cidr> {
        let buffer = UnsafeMutableBufferPointer<ccurl_cidr>.allocate(capacity: max(1, denied.count))
        for (index, range) in denied.enumerated() {
            var entry = ccurl_cidr()
            withUnsafeMutableBytes(of: &entry.address) { bytes in
                for (offset, byte) in range.address.enumerated() { bytes[offset] = byte }
            }
            entry.length = Int32(range.address.count)
            entry.prefix = Int32(range.prefix)
            buffer[index] = entry
        }
        return buffer
    }
}
