/// Where a node finds its PostgreSQL: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=MODE]`
/// (`postgresql://` too), as libpq writes it. Every part is checked here, the port against its range, so a
/// mistyped URL stops the start with a message instead of trapping later.
///
/// The password never appears in ``description`` (what logs and error messages show).
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    /// How the connection is protected; libpq's `sslmode` values that PushBridge supports.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Plain TCP (loopback, or a network that is already private).
        case disable
        /// TLS when the server offers it (libpq's default).
        case prefer
        /// TLS, or no connection; the certificate is verified against the system's trust roots.
        case require
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tlsMode: TLSMode

    public static let defaultPort = 5432
    static let validPorts: ClosedRange<Int> = 1...65535
    /// PostgreSQL's own limit on names (NAMEDATALEN − 1).
    static let maximumNameBytes = 63

    /// The URL with the password replaced by `***`.
    public var description: String {
        let credentials = password == nil ? username : username + ":***"
        let hostText = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(credentials)@\(hostText):\(port)/\(database)?sslmode=\(tlsMode.rawValue)"
    }

    public init(host: String, port: Int = Self.defaultPort, username: String, password: String?, database: String, tlsMode: TLSMode = .prefer) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tlsMode = tlsMode
    }

    /// Parses `text`; the error says which part is wrong and never repeats the password.
    public init(parsing text: String) throws(PostgresURLError) {
        guard text.utf8.count <= 4096 else { throw PostgresURLError("the URL is longer than 4096 bytes") }
        var rest: Substring
        if text.hasPrefix("postgres://") {
            rest = text.dropFirst("postgres://".count)
        } else if text.hasPrefix("postgresql://") {
            rest = text.dropFirst("postgresql://".count)
        } else {
            throw PostgresURLError("the URL must start with postgres:// or postgresql://")
        }
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard let slash = rest.firstIndex(of: "/") else { throw PostgresURLError("the URL names no database (…/DATABASE)") }
        let authority = rest[..<slash]
        let databaseText = rest[rest.index(after: slash)...]
        // The last '@' ends the credentials: a password may hold one (percent-encoded or not).
        guard let at = authority.lastIndex(of: "@") else { throw PostgresURLError("the URL names no user (USER@HOST)") }
        let credentials = authority[..<at]
        let hostPort = authority[authority.index(after: at)...]

        let userText: Substring
        var password: String?
        if let colon = credentials.firstIndex(of: ":") {
            userText = credentials[..<colon]
            guard let decoded = Self.percentDecoded(credentials[credentials.index(after: colon)...]) else {
                throw PostgresURLError("the password is not valid percent-encoding")
            }
            password = decoded
        } else {
            userText = credentials
        }
        guard let username = Self.percentDecoded(userText), !username.isEmpty else {
            throw PostgresURLError("the user name is empty or badly encoded")
        }
        guard username.utf8.count <= Self.maximumNameBytes else { throw PostgresURLError("the user name is longer than 63 bytes") }

        let (host, port) = try Self.parseHostPort(hostPort)
        guard let database = Self.percentDecoded(databaseText), !database.isEmpty else {
            throw PostgresURLError("the database name is empty or badly encoded")
        }
        guard database.utf8.count <= Self.maximumNameBytes else { throw PostgresURLError("the database name is longer than 63 bytes") }
        var tlsMode = TLSMode.prefer
        for parameter in query.split(separator: "&") where !parameter.isEmpty {
            let pair = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            switch name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw PostgresURLError("sslmode must be one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", ")), not '\(value)'")
                }
                tlsMode = mode
            default:
                throw PostgresURLError("unknown parameter '\(name)' (only sslmode is supported)")
            }
        }
        self.init(host: host, port: port, username: username, password: password, database: database, tlsMode: tlsMode)
    }

    private static func parseHostPort(_ text: Substring) throws(PostgresURLError) -> (String, Int) {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw PostgresURLError("an IPv6 host must end with ']'") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw PostgresURLError("only :PORT may follow an IPv6 host") }
                portText = after.dropFirst()
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            host = text
        }
        guard !host.isEmpty, host.utf8.count <= 253 else { throw PostgresURLError("the host is empty or longer than 253 bytes") }
        guard host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "@") }) else {
            throw PostgresURLError("the host holds characters a host name cannot")
        }
        guard let portText else { return (String(host), Self.defaultPort) }
        // Digits only, at most five: Int(_:) of a longer text could not overflow, but the message stays exact.
        guard !portText.isEmpty, portText.utf8.count <= 5, portText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let port = Int(portText), validPorts.contains(port)
        else { throw PostgresURLError("the port must be a number from 1 to 65535") }
        return (String(host), port)
    }

    /// nil when a `%` is not followed by two hex digits, or the bytes are not UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Why a PostgreSQL URL was refused; the message never holds the password.
public struct PostgresURLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    init(_ reason: String) { self.reason = reason }
    public var description: String { "invalid PostgreSQL URL: \(reason)" }
}
