import ArgumentParser
import Foundation

@main
struct PushBridgeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pushbridge-bench",
        abstract: "Load generator for PushBridge and nchan (WebSocket fan-out, HTTP publish), and its helpers.",
        subcommands: [RunCommand.self, EchoServerCommand.self, TableCommand.self, WrkResultCommand.self, ProcCommand.self]
    )
}

/// Prints a process's CPU seconds and RSS (for the script, around wrk runs).
struct ProcCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "proc", abstract: "Prints 'CPU_SECONDS RSS_KB' of a process.")
    @Argument var pid: Int32

    func run() throws {
        guard let cpu = Proc.cpuSeconds(pid: pid), let rss = Proc.residentKB(pid: pid) else {
            throw ValidationError("no such process: \(pid)")
        }
        print(String(format: "%.2f %d", cpu, rss))
    }
}

/// Turns wrk's `--latency` report (on standard input) into a result line.
struct WrkResultCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wrk-result", abstract: "Reads wrk --latency output on stdin; prints a JSON line.")
    @Option var label: String
    @Option var system: String
    @Option var entries = 1
    @Option var connections = 0
    @Option var duration: Double = 0
    @Option(help: "Server CPU seconds spent during the run.") var serverCpuSeconds: Double?
    @Option(help: "wrk's own CPU use during the run, in percent of one core.") var generatorCpuPercent: Double?

    func run() throws {
        var text = ""
        while let line = readLine() { text += line + "\n" }
        var result = RunResult(label: label, system: system, scenario: "ingest-wrk")
        result.entries = entries
        result.connections = connections
        result.durationSeconds = duration
        var errors = 0
        var requests = 0
        for raw in text.split(separator: "\n") {
            let words = raw.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = words.first else { continue }
            if first == "Requests/sec:", words.count > 1 { result.requestsPerSecond = Double(words[1]) }
            if first == "50%", words.count > 1 { result.requestP50Us = Self.microseconds(words[1]) }
            if first == "99%", words.count > 1 { result.requestP99Us = Self.microseconds(words[1]) }
            if raw.contains("Non-2xx or 3xx responses:"), let last = words.last { errors += Int(last) ?? 0 }
            if raw.contains("Socket errors:") {
                for word in words { if let value = Int(word.trimmingCharacters(in: CharacterSet(charactersIn: ","))) { errors += value } }
            }
            if raw.contains("requests in"), let value = Int(first) { requests = value }
        }
        result.publishErrors = errors
        result.published = requests
        result.generatorCPUPercent = generatorCpuPercent
        if let rps = result.requestsPerSecond {
            result.eventsPerSecond = rps * Double(entries)
            if let cpu = serverCpuSeconds, requests > 0 {
                result.serverCPUSeconds = cpu
                result.cpuPerEventUs = cpu * 1e6 / Double(requests * entries)
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(result), as: UTF8.self))
    }

    static func microseconds(_ text: Substring) -> Double? {
        let units: [(String, Double)] = [("us", 1), ("ms", 1000), ("s", 1_000_000), ("m", 60_000_000)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * factor }
        }
        return nil
    }
}
