/// The AWS CLI's shared credentials file (`~/.aws/credentials`): INI sections named after profiles, each with an
/// `aws_access_key_id` and an `aws_secret_access_key`, the same file `aws --profile NAME` reads.
///
/// Parsed the way botocore reads it (Python's `configparser`): `#` and `;` start comment lines (a `#` later in a
/// line is part of the value), `=` or `:` separates a key from its value, key names ignore case, other keys
/// (`aws_session_token`, `region`, …) are allowed and ignored. Stricter where a mistake would otherwise go unnoticed:
/// a profile without both keys, a repeated profile or key, or one access key id with two secrets stops the parse
/// with the line and the reason. Errors never quote a secret.
public struct AWSCredentialsFile: Sendable {
    public struct Profile: Sendable, Equatable {
        public let name: String
        public let credentials: AWSCredentials
        /// The line of its `[name]` header.
        public let line: Int
    }

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let path: String
        /// 1-based; nil when the error concerns the whole file.
        public let line: Int?
        public let reason: String

        public var description: String {
            if let line { return "\(path):\(line): \(reason)" }
            return "\(path): \(reason)"
        }
    }

    public let profiles: [Profile]

    /// Every key pair, in file order.
    public var credentials: [AWSCredentials] { profiles.map(\.credentials) }

    static let accessKeyIdKey = "aws_access_key_id"
    static let secretAccessKeyKey = "aws_secret_access_key"

    /// - Parameter path: named in errors only; nothing is read here.
    public static func parse(_ text: String, path: String) throws(ParseError) -> AWSCredentialsFile {
        func failure(_ line: Int?, _ reason: String) -> ParseError { ParseError(path: path, line: line, reason: reason) }

        struct Section {
            var name: String
            var line: Int
            var values: [String: (value: String, line: Int)] = [:]
            var lastKey: String?
        }
        var sections: [Section] = []
        // "\r\n" is one Character in Swift, so both line ends are named.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = first.dropFirst() }

        for (index, rawLine) in lines.enumerated() {
            let number = index + 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            let content = line.trimmed
            if content.isEmpty || content.hasPrefix("#") || content.hasPrefix(";") { continue }
            let indented = line.first == " " || line.first == "\t"
            if indented, let lastKey = sections.last?.lastKey {
                // configparser continues the previous value on indented lines (nested settings in config files).
                guard lastKey != accessKeyIdKey, lastKey != secretAccessKeyKey else {
                    throw failure(number, "the value of \(lastKey) continues on an indented line; write it on one line")
                }
                continue
            }
            if content.hasPrefix("[") {
                guard content.hasSuffix("]"), content.count >= 2 else { throw failure(number, "a section header must look like [profile-name]") }
                let name = content.dropFirst().dropLast().trimmed
                guard !name.isEmpty else { throw failure(number, "the profile name between [ and ] is empty") }
                if let earlier = sections.first(where: { $0.name == name }) {
                    throw failure(number, "profile [\(name)] appears twice (first on line \(earlier.line))")
                }
                sections.append(Section(name: name, line: number))
                continue
            }
            guard let separator = content.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw failure(number, "expected 'name = value', a [profile] header or a # comment")
            }
            let key = content[..<separator].trimmed.lowercased()
            let value = content[content.index(after: separator)...].trimmed
            guard !key.isEmpty else { throw failure(number, "a key name is missing before '\(content[separator])'") }
            guard !sections.isEmpty else { throw failure(number, "\(key) is outside any [profile] section") }
            if let earlier = sections[sections.count - 1].values[key] {
                throw failure(number, "\(key) appears twice in profile [\(sections[sections.count - 1].name)] (first on line \(earlier.line))")
            }
            sections[sections.count - 1].values[key] = (value, number)
            sections[sections.count - 1].lastKey = key
        }

        var profiles: [Profile] = []
        var ownerOfKey: [String: Profile] = [:]
        for section in sections {
            guard let keyId = section.values[accessKeyIdKey], let secret = section.values[secretAccessKeyKey] else {
                let missing = [accessKeyIdKey, secretAccessKeyKey].filter { section.values[$0] == nil }.joined(separator: " and ")
                throw failure(section.line, "profile [\(section.name)] has no \(missing)")
            }
            guard !keyId.value.isEmpty else { throw failure(keyId.line, "\(accessKeyIdKey) is empty") }
            guard keyId.value.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) && $0 != "/" }) else {
                throw failure(keyId.line, "\(accessKeyIdKey) may hold printable ASCII only, without spaces or '/'")
            }
            guard !secret.value.isEmpty else { throw failure(secret.line, "\(secretAccessKeyKey) is empty") }
            guard secret.value.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
                throw failure(secret.line, "\(secretAccessKeyKey) contains a control character")
            }
            let profile = Profile(
                name: section.name,
                credentials: AWSCredentials(accessKeyId: keyId.value, secretAccessKey: secret.value),
                line: section.line
            )
            if let owner = ownerOfKey[keyId.value] {
                guard owner.credentials.secretAccessKey == secret.value else {
                    throw failure(
                        keyId.line,
                        "access key id \(keyId.value) is also in profile [\(owner.name)] (line \(owner.line)) with another secret"
                    )
                }
            } else {
                ownerOfKey[keyId.value] = profile
            }
            profiles.append(profile)
        }
        guard !profiles.isEmpty else { throw failure(nil, "no [profile] with \(accessKeyIdKey) and \(secretAccessKeyKey)") }
        return AWSCredentialsFile(profiles: profiles)
    }

    /// The profile an access key id belongs to (the first, if several share it).
    public func profile(forAccessKeyId accessKeyId: String) -> Profile? {
        profiles.first { $0.credentials.accessKeyId == accessKeyId }
    }
}
