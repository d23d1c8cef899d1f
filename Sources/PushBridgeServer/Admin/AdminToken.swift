import Foundation

/// The bearer token that guards `/admin/`: given by the operator, or generated at start and written to a file
/// only the user can read. The token itself is never logged.
public enum AdminToken {
    /// `~/.pushbridge/admin-token`, where `serve` writes a generated token and the CLI looks for it.
    public static var defaultFilePath: String {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".pushbridge/admin-token")
    }

    /// 32 random bytes as 64 lowercase hex characters.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0 ... .max, using: &generator)) }.joined()
    }

    /// Writes `token` to `path` with mode 0600 (its folder, if created, gets 0700), replacing any previous file.
    public static func write(_ token: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let manager = FileManager.default
        let folder = url.deletingLastPathComponent().path
        if !manager.fileExists(atPath: folder) {
            try manager.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        // Create with 0600 before any byte is written, so the token is never readable by others, even briefly.
        let temporary = folder + "/.admin-token.\(getpid()).tmp"
        _ = manager.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: 0o600])
        guard let handle = FileHandle(forWritingAtPath: temporary) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: temporary])
        }
        try handle.write(contentsOf: Data((token + "\n").utf8))
        try handle.close()
        try manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: temporary)
        if rename(temporary, path) != 0 {
            try? manager.removeItem(atPath: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }

    /// Reads a token file: its first line, trimmed; nil if missing or empty.
    public static func read(from path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else { return nil }
        let token = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        return token.isEmpty ? nil : token
    }

    /// Compares in time that depends only on the lengths, not on where the texts differ.
    static func matches(_ presented: String, _ expected: String) -> Bool {
        let lhs = Array(presented.utf8)
        let rhs = Array(expected.utf8)
        var difference = UInt8(lhs.count == rhs.count ? 0 : 1)
        for index in 0..<max(lhs.count, rhs.count) {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }
}
