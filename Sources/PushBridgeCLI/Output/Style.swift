import Foundation

/// ANSI colours, only on a terminal and never with NO_COLOR set.
struct Style: Sendable {
    let enabled: Bool

    static let stdout = Style(fileDescriptor: STDOUT_FILENO)
    static let stderr = Style(fileDescriptor: STDERR_FILENO)

    init(fileDescriptor: Int32) {
        let noColor = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        let dumb = ProcessInfo.processInfo.environment["TERM"] == "dumb"
        enabled = isatty(fileDescriptor) == 1 && !noColor && !dumb
    }

    private func wrap(_ text: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }

    func bold(_ text: String) -> String { wrap(text, "1") }
    func dim(_ text: String) -> String { wrap(text, "2") }
    func red(_ text: String) -> String { wrap(text, "31") }
    func green(_ text: String) -> String { wrap(text, "32") }
    func yellow(_ text: String) -> String { wrap(text, "33") }
}

/// Where human output goes.
enum Console {
    static func out(_ text: String) { print(text) }

    static func err(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// A line that replaces itself on a terminal (progress); nothing when stderr is not a terminal.
    static func progress(_ text: String) {
        guard isatty(STDERR_FILENO) == 1 else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8))
    }

    static func endProgress() {
        guard isatty(STDERR_FILENO) == 1 else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
