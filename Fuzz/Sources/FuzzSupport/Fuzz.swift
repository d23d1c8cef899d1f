import CLibFuzzer

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The running target's test. libFuzzer calls back through a C function pointer, which cannot capture it.
nonisolated(unsafe) private var currentTest: ((UnsafeRawBufferPointer) -> Void)?

/// What every fuzz target shares: the libFuzzer driver, property checks, and splitting an input into parts.
public enum Fuzz {
    /// Runs libFuzzer with the process's arguments, calling `test` with each input. Never returns.
    public static func run(_ test: @escaping (UnsafeRawBufferPointer) -> Void) -> Never {
        currentTest = test
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in
            currentTest?(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }
        exit(status)
    }

    /// Fails the run (libFuzzer then saves the input as a crash) when a property of the code under test does not hold.
    /// A property with an `id` can be switched off with `FUZZ_SKIP=id,…`, to look for other bugs past a known one.
    public static func require(
        _ condition: @autoclosure () -> Bool,
        _ message: @autoclosure () -> String,
        id: String? = nil,
        file: StaticString = #file,
        line: UInt = #line
    ) {
        if let id, skipped.contains(id) { return }
        if !condition() { fatalError("property violated\(id.map { " [\($0)]" } ?? ""): \(message())", file: file, line: line) }
    }

    /// The property ids named in FUZZ_SKIP.
    private static let skipped: Set<String> = {
        guard let value = getenv("FUZZ_SKIP") else { return [] }
        return Set(String(cString: value).split(separator: ",").map(String.init))
    }()

    /// Whether FUZZ_DEBUG is set: targets then print what they checked (to reproduce one input by hand).
    public static let debugging = getenv("FUZZ_DEBUG") != nil

    /// Prints `message` to standard error when ``debugging``.
    public static func debug(_ message: @autoclosure () -> String) {
        guard debugging else { return }
        var text = message() + "\n"
        text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }

    /// The input split at NUL bytes into at most `count` parts; the last part keeps any further NULs, and
    /// missing parts are empty. Targets that need several texts (a pattern and an event) take them this way.
    public static func parts(_ data: UnsafeRawBufferPointer, count: Int) -> [[UInt8]] {
        var parts: [[UInt8]] = []
        var rest = data[...]
        while parts.count < count - 1, let nul = rest.firstIndex(of: 0) {
            parts.append(Array(rest[..<nul]))
            rest = rest[(nul + 1)...]
        }
        parts.append(Array(rest))
        while parts.count < count { parts.append([]) }
        return parts
    }

    /// UTF-8 text of `bytes`, invalid sequences replaced (what a server makes of a body it decodes leniently).
    public static func text(_ bytes: some Collection<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    /// The input after its first byte, cut into chunks whose sizes the first byte chooses (1 to 64 bytes, or all
    /// at once for 0): stream handlers must give the same answers however their bytes arrive.
    public static func chunks(_ data: UnsafeRawBufferPointer) -> [[UInt8]] {
        guard let first = data.first else { return [] }
        let bytes = Array(data.dropFirst())
        let size = first == 0 ? max(1, bytes.count) : Int(first % 64) + 1
        return stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<min($0 + size, bytes.count)]) }
    }
}
