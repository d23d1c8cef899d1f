import Foundation

/// Small formatting helpers for human output.
enum Format {
    static func int(_ value: Any?) -> Int? {
        if let value = value as? Int { return value }
        if let value = value as? NSNumber { return value.intValue }
        if let value = value as? Double { return Int(value) }
        return nil
    }

    static func text(_ value: Any?) -> String {
        switch value {
        case let value as String: value
        case let value as NSNumber: value.stringValue
        case nil, is NSNull: "-"
        default: "\(value!)"
        }
    }

    /// `2024-05-01T12:00:03Z (3m ago)` from an ISO-8601 time the server sent.
    static func time(_ value: Any?, now: Date = Date()) -> String {
        guard let text = value as? String else { return "-" }
        guard let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) else { return text }
        let shown = date.formatted(Date.ISO8601FormatStyle())
        let seconds = Int(date.timeIntervalSince(now).rounded())
        return "\(shown) (\(seconds >= 0 ? "in " + age(seconds) : age(-seconds) + " ago"))"
    }

    static func age(_ seconds: Int) -> String {
        switch seconds {
        case ..<60: "\(seconds)s"
        case ..<3600: "\(seconds / 60)m"
        case ..<86400: "\(seconds / 3600)h\(seconds % 3600 / 60 > 0 ? "\(seconds % 3600 / 60)m" : "")"
        default: "\(seconds / 86400)d"
        }
    }

    static func truncate(_ text: String, _ length: Int) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count <= length ? flat : String(flat.prefix(length - 1)) + "…"
    }

    /// Pretty JSON text of a value, keys sorted.
    static func json(_ value: Any) -> String {
        guard JSONSerialization.isValidJSONObject(value),
            let data = try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return "\(value)" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Prints a reply's JSON as the server sent it (for --json).
    static func raw(_ reply: AdminClient.Reply) {
        var text = reply.text
        while text.hasSuffix("\n") { text.removeLast() }
        print(text)
    }
}
