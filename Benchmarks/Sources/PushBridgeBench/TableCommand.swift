import ArgumentParser
import Foundation

/// Aggregates result lines into one Markdown table: each metric for PushBridge and nchan, median of the
/// repetitions with min–max, the ratio of the medians, and the target where the issue sets one.
struct TableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "table", abstract: "Prints the Markdown table for JSON result files.")

    @Argument(help: "Files of JSON result lines.") var files: [String]
    @Option(help: "A result is flagged as client-bound at this fraction of the generator's ceiling.") var clientBoundFraction = 0.7
    @Flag(help: "Print the table of durable runs (label suffix -durable) against in-memory ones, journal sizes and recovery instead.")
    var durable = false
    @Flag(help: "Print the table of cluster runs (label suffixes -pg1 and -pg2) against one node in memory instead.")
    var cluster = false

    func run() throws {
        var results: [RunResult] = []
        let decoder = JSONDecoder()
        for file in files {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("{") {
                if let result = try? decoder.decode(RunResult.self, from: Data(line.utf8)) { results.append(result) }
            }
        }
        if cluster {
            print(Self.renderCluster(results))
        } else if durable {
            print(Self.renderDurable(results, clientBoundFraction: clientBoundFraction))
        } else {
            print(Self.render(results, clientBoundFraction: clientBoundFraction))
        }
    }

    struct Metric {
        let name: String
        let value: (RunResult) -> Double?
        var format: Format = .number
        /// A target on the ratio PushBridge/nchan, or on PushBridge's own value.
        var target: Target? = nil
    }

    enum Format { case number, micros, percent, bytes, count, seconds }

    enum Target {
        case ratioAtMost(Double)
        case ratioAtLeast(Double)
        case pushBridgeAtMost(Double, String)
        case zero

        func check(pushBridge: Double?, nchan: Double?) -> String {
            switch self {
            case .ratioAtMost(let limit):
                guard let pushBridge, let nchan, nchan > 0 else { return "ratio ≤ \(limit)" }
                return "ratio ≤ \(limit) " + (pushBridge / nchan <= limit ? "✅" : "❌")
            case .ratioAtLeast(let limit):
                guard let pushBridge, let nchan, nchan > 0 else { return "ratio ≥ \(limit)" }
                return "ratio ≥ \(limit) " + (pushBridge / nchan >= limit ? "✅" : "❌")
            case .pushBridgeAtMost(let limit, let text):
                guard let pushBridge else { return text }
                return text + " " + (pushBridge <= limit ? "✅" : "❌")
            case .zero:
                guard let pushBridge else { return "0" }
                return "0 " + (pushBridge == 0 ? "✅" : "❌")
            }
        }
    }

    static func metrics(for scenario: String, label: String) -> [Metric] {
        let d = { (value: Int?) in value.map(Double.init) }
        switch scenario {
        case "ingest-wrk":
            return [
                Metric(name: "requests/s (wrk, open loop)", value: { $0.requestsPerSecond }),
                Metric(
                    name: "events/s",
                    value: { $0.eventsPerSecond },
                    target: label.hasSuffix("-1") ? .ratioAtLeast(0.5) : nil
                ),
                Metric(name: "latency p50 (wrk)", value: { $0.requestP50Us }, format: .micros),
                Metric(name: "latency p99 (wrk)", value: { $0.requestP99Us }, format: .micros),
                Metric(name: "server CPU per event", value: { $0.cpuPerEventUs }, format: .micros),
                Metric(name: "errors (non-2xx, socket)", value: { d($0.publishErrors) }, format: .count, target: .zero),
            ]
        case "ingest":
            return [
                Metric(name: "offered requests/s", value: { $0.rate }),
                Metric(name: "achieved requests/s", value: { $0.requestsPerSecond }),
                Metric(name: "events/s", value: { $0.eventsPerSecond }),
                Metric(name: "request latency p50", value: { $0.requestP50Us }, format: .micros),
                Metric(name: "request latency p99", value: { $0.requestP99Us }, format: .micros),
                Metric(name: "server CPU per event", value: { $0.cpuPerEventUs }, format: .micros),
                Metric(name: "errors", value: { d($0.publishErrors) }, format: .count, target: .zero),
                Metric(name: "generator CPU", value: { $0.generatorCPUPercent }, format: .percent),
            ]
        case "broadcast", "routing":
            return [
                Metric(name: "offered deliveries/s", value: { $0.offeredDeliveriesPerSecond }),
                Metric(
                    name: "server CPU per delivery",
                    value: { $0.cpuPerDeliveryUs },
                    format: .micros,
                    target: scenario == "broadcast" ? .ratioAtMost(1.0) : nil
                ),
                Metric(name: "server CPU", value: { $0.serverCPUPercent }, format: .percent),
                Metric(name: "achieved deliveries/s", value: { $0.deliveriesPerSecond }),
                Metric(name: "latency p50", value: { $0.p50Us }, format: .micros),
                Metric(name: "latency p99", value: { $0.p99Us }, format: .micros, target: .ratioAtMost(1.0)),
                Metric(name: "latency p99.9", value: { $0.p999Us }, format: .micros),
                Metric(name: "lost", value: { d($0.lost) }, format: .count, target: .zero),
                Metric(name: "duplicated", value: { d($0.duplicated) }, format: .count, target: .zero),
                Metric(name: "publish errors / not sent", value: { r in d((r.publishErrors ?? 0) + (r.notSent ?? 0)) }, format: .count),
                Metric(name: "generator CPU", value: { $0.generatorCPUPercent }, format: .percent),
            ]
        case "slow":
            return [
                Metric(name: "offered deliveries/s (others)", value: { $0.offeredDeliveriesPerSecond }),
                Metric(name: "others' latency p99", value: { $0.p99Us }, format: .micros, target: .ratioAtMost(1.0)),
                Metric(name: "others' latency p99.9", value: { $0.p999Us }, format: .micros),
                Metric(name: "others lost", value: { d($0.lost) }, format: .count, target: .zero),
                Metric(name: "others duplicated", value: { d($0.duplicated) }, format: .count, target: .zero),
                Metric(
                    name: "server RSS growth (peak − start)",
                    value: { r in d(r.rssPeakKB.flatMap { p in r.rssStartKB.map { p - $0 } }.map { $0 * 1024 }) },
                    format: .bytes
                ),
                Metric(name: "slow socket closed by server (1 = yes)", value: { r in r.slowClosedByServer.map { $0 ? 1 : 0 } }, format: .count),
                Metric(name: "server CPU per delivery", value: { $0.cpuPerDeliveryUs }, format: .micros),
            ]
        case "idle":
            return [
                Metric(name: "connections subscribed", value: { r in d((r.connections ?? 0) - (r.connectFailures ?? 0)) }, format: .count),
                Metric(
                    name: "RSS per idle connection",
                    value: { $0.bytesPerConnection },
                    format: .bytes,
                    target: .pushBridgeAtMost(8192, "PushBridge ≤ 8 KB")
                ),
                Metric(name: "server RSS with all connected", value: { r in d(r.rssEndKB.map { $0 * 1024 }) }, format: .bytes),
            ]
        default:
            return []
        }
    }

    /// Results of durable runs, the journal sizes and the recovery measurement, which only the durable table shows.
    static func isDurableOnly(_ result: RunResult) -> Bool {
        result.label.hasSuffix(durableSuffix) || result.scenario == "journal" || result.scenario == "recovery"
    }

    static let durableSuffix = "-durable"

    static func render(_ allResults: [RunResult], clientBoundFraction: Double) -> String {
        let results = allResults.filter { !isDurableOnly($0) && !isClusterRun($0) }
        var labels: [String] = []
        for result in results where !labels.contains(result.label) { labels.append(result.label) }
        func group(_ label: String, _ system: String) -> [RunResult] { results.filter { $0.label == label && $0.system == system } }

        let ceilingDeliveries = stats(group("ceiling-broadcast", "echo").compactMap { $0.deliveriesPerSecond })?.median
        let ceilingRequests = stats(group("ceiling-wrk", "echo").compactMap { $0.requestsPerSecond })?.median

        func saturated(_ label: String) -> Bool {
            (stats(group(label, "echo").compactMap { $0.generatorCPUPercent })?.median ?? 0) >= 90
        }
        var lines: [String] = []
        lines.append("| Scenario | Metric | PushBridge | nchan | Ratio PB/nchan | Target / note |")
        lines.append("|---|---|---|---|---|---|")
        func ceilingRow(_ label: String, _ name: String, _ value: (RunResult) -> Double?) {
            let runs = group(label, "echo")
            guard !runs.isEmpty else { return }
            let server = stats(runs.compactMap { $0.serverCPUPercent })
            let generator = stats(runs.compactMap { $0.generatorCPUPercent })
            var note = "\(cell(stats(runs.compactMap(value)), .number)): generator CPU \(cell(generator, .percent))"
            if server != nil { note += ", echo server CPU \(cell(server, .percent))" }
            if let generator, generator.median < 90 { note += " (generator not saturated: its ceiling is higher)" }
            lines.append("| \(name) | | | | | \(note) |")
        }
        ceilingRow("ceiling-broadcast", "generator ceiling: deliveries/s (echo server, 1000 subs)", { $0.deliveriesPerSecond })
        ceilingRow("ceiling-publish", "generator ceiling: publish requests/s (echo server)", { $0.requestsPerSecond })
        ceilingRow("ceiling-wrk", "wrk ceiling: requests/s (echo server)", { $0.requestsPerSecond })
        for label in labels where !label.hasPrefix("ceiling") {
            let pushBridge = group(label, "pushbridge")
            let nchan = group(label, "nchan")
            guard let sample = pushBridge.first ?? nchan.first else { continue }
            var scenarioText = label
            if let connections = sample.connections, connections > 0 {
                scenarioText += " (\(connections) conns" + (sample.rate.map { ", \(formatNumber($0))/s" } ?? "") + ")"
            }
            let count = max(pushBridge.count, nchan.count)
            scenarioText += ", n=\(count)"
            for metric in metrics(for: sample.scenario, label: label) {
                let pb = stats(pushBridge.compactMap(metric.value))
                let nc = stats(nchan.compactMap(metric.value))
                guard pb != nil || nc != nil else { continue }
                var ratio = ""
                if let pb, let nc, nc.median != 0 { ratio = String(format: "%.2f", pb.median / nc.median) }
                var note = metric.target?.check(pushBridge: pb?.median, nchan: nc?.median) ?? ""
                if metric.name == "generator CPU" || metric.name == "requests/s (wrk, open loop)" {
                    // Client-bound: the generator (or wrk) used ≥ 70 % of its core, or the result is ≥ 70 % of a
                    // ceiling at which the generator was saturated.
                    let generatorCPU = max(
                        stats(pushBridge.compactMap { $0.generatorCPUPercent })?.median ?? 0,
                        stats(nchan.compactMap { $0.generatorCPUPercent })?.median ?? 0
                    )
                    var bound = generatorCPU >= clientBoundFraction * 100
                    let delivered = max(
                        stats(pushBridge.compactMap { $0.deliveriesPerSecond })?.median ?? 0,
                        stats(nchan.compactMap { $0.deliveriesPerSecond })?.median ?? 0
                    )
                    if let ceilingDeliveries, saturated("ceiling-broadcast"), delivered >= clientBoundFraction * ceilingDeliveries { bound = true }
                    let requests = max(pb?.median ?? 0, nc?.median ?? 0)
                    if metric.name.hasPrefix("requests/s"), let ceilingRequests, saturated("ceiling-wrk"),
                        requests >= clientBoundFraction * ceilingRequests
                    {
                        bound = true
                    }
                    if metric.name.hasPrefix("requests/s") {
                        note += "wrk CPU \(formatValue(generatorCPU, .percent))"
                    }
                    if bound { note += " ⚠ client-bound" }
                }
                lines.append("| \(scenarioText) | \(metric.name) | \(cell(pb, metric.format)) | \(cell(nc, metric.format)) | \(ratio) | \(note) |")
                scenarioText = ""
            }
            if sample.scenario == "slow" {
                // The others' p99 against the same broadcast without the stalled socket ("slow-base").
                func moved(_ system: String) -> String {
                    guard let stalled = stats(group(label, system).compactMap { $0.p99Us })?.median,
                        let base = stats(group("slow-base", system).compactMap { $0.p99Us })?.median, base > 0
                    else { return "–" }
                    return String(format: "%.2f×", stalled / base)
                }
                lines.append("| | others' p99 ÷ p99 without the stall (slow-base) | \(moved("pushbridge")) | \(moved("nchan")) | | ≈ 1 (noise) |")
            }
        }
        return lines.joined(separator: "\n")
    }

    struct Stats {
        var median: Double
        var min: Double
        var max: Double
        var count: Int
    }

    static func stats(_ values: [Double]) -> Stats? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        let median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        return Stats(median: median, min: sorted.first!, max: sorted.last!, count: sorted.count)
    }

    static func cell(_ stats: Stats?, _ format: Format) -> String {
        guard let stats else { return "–" }
        let median = formatValue(stats.median, format)
        guard stats.count > 1, stats.min != stats.max else { return median }
        return "\(median) (\(formatValue(stats.min, format))–\(formatValue(stats.max, format)))"
    }

    static func formatValue(_ value: Double, _ format: Format) -> String {
        switch format {
        case .number: return formatNumber(value)
        case .count: return String(Int(value.rounded()))
        case .percent: return String(format: "%.0f %%", value)
        case .micros:
            if value >= 10_000 { return String(format: "%.1f ms", value / 1000) }
            if value >= 100 { return String(format: "%.0f µs", value) }
            return String(format: "%.2f µs", value)
        case .seconds:
            if value >= 100 { return String(format: "%.0f s", value) }
            if value >= 1 { return String(format: "%.2f s", value) }
            return String(format: "%.0f ms", value * 1000)
        case .bytes:
            if abs(value) >= 10 * 1024 * 1024 { return String(format: "%.0f MiB", value / 1024 / 1024) }
            if abs(value) >= 10 * 1024 { return String(format: "%.0f KiB", value / 1024) }
            if abs(value) >= 1024 { return String(format: "%.1f KiB", value / 1024) }
            return String(format: "%.0f B", value)
        }
    }

    static func formatNumber(_ value: Double) -> String {
        if abs(value) >= 1_000_000 { return String(format: "%.2fM", value / 1_000_000) }
        if abs(value) >= 10_000 { return String(format: "%.1fk", value / 1000) }
        if abs(value) >= 100 { return String(format: "%.0f", value) }
        return String(format: "%.1f", value)
    }
}
