import Foundation

/// Refuses to serve beyond this machine with nobody authenticated: a server bound to anything but loopback must
/// be given an authentication method, or be told `--insecure-no-auth`. TLS does not count: it hides the traffic
/// but says nothing about who sent it.
public enum BindSafety {
    public struct Unsafe: Error, Sendable, CustomStringConvertible {
        public let host: String
        public var description: String {
            """
            refusing to listen on \(host) without authentication: anyone who can reach it could connect, subscribe and \
            publish. Configure --jwt-secret (or --jwt-secret-file), --jwks or --authorizer-url for WebSocket clients, bind \
            to 127.0.0.1, or pass --insecure-no-auth if something in front of PushBridge already authenticates. TLS \
            (--tls-cert) encrypts connections but does not replace authentication.
            """
        }
    }

    /// Throws ``Unsafe`` when `host` is not a loopback address and nothing authenticates.
    public static func check(host: String, authenticated: Bool, insecureNoAuth: Bool) throws(Unsafe) {
        guard !authenticated, !insecureNoAuth, !isLoopback(host) else { return }
        throw Unsafe(host: host)
    }

    /// `localhost`, 127.0.0.0/8 and ::1 (in any spelling NIO accepts: brackets, leading zeros).
    public static func isLoopback(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name == "localhost" || name.hasSuffix(".localhost") { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        if octets.count == 4, octets.allSatisfy({ !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) && Int($0)! <= 255 }) {
            return octets[0].count <= 3 && Int(octets[0]) == 127
        }
        return isIPv6Loopback(name)
    }

    private static func isIPv6Loopback(_ name: String) -> Bool {
        guard name.contains(":") else { return false }
        // ::1 spelled out or compressed: every group zero but a last group of one.
        let halves = name.components(separatedBy: "::")
        guard halves.count <= 2 else { return false }
        let groups = name.split(separator: ":", omittingEmptySubsequences: true)
        guard let last = groups.last, Int(last, radix: 16) == 1 else { return false }
        let zeroGroups = groups.dropLast().allSatisfy { Int($0, radix: 16) == 0 }
        return zeroGroups && (halves.count == 2 || groups.count == 8)
    }
}
