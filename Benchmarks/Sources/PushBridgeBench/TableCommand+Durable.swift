import Foundation

/// The second table: PushBridge keeping its SQLite journal (`--data-dir`, label suffix `-durable`) against
/// `--in-memory`, run for run in the same repetitions; the data directory's size after each durable run; and the
/// recovery of a data directory holding many queued messages.
extension TableCommand {
    enum DurableTarget {
        case ratioAtLeast(Double)
        case ratioAtMost(Double)
        case reported
        case zero

        func check(memory: Double?, durable: Double?) -> String {
            switch self {
            case .ratioAtLeast(let limit):
                guard let memory, let durable, memory > 0 else { return "ratio ≥ \(limit)" }
                return "ratio ≥ \(limit) " + (durable / memory >= limit ? "✅" : "❌")
            case .ratioAtMost(let limit):
                guard let memory, let durable, memory > 0 else { return "ratio ≤ \(limit)" }
                return "ratio ≤ \(limit) " + (durable / memory <= limit ? "✅" : "❌")
            case .reported:
                return "reported"
            case .zero:
                guard let durable else { return "0" }
                return "0 " + (durable == 0 ? "✅" : "❌")
            }
        }
    }

    struct DurableMetric {
        /// The in-memory run's label; the durable run's adds ``TableCommand/durableSuffix``.
        let label: String
        let name: String
        let value: (RunResult) -> Double?
        var format: Format = .number
        var target: DurableTarget? = nil
    }

    static func durableMetrics() -> [DurableMetric] {
        let d = { (value: Int?) in value.map(Double.init) }
        return [
            DurableMetric(label: "ingest-wrk-1", name: "one-entry PutEvents requests/s (wrk)", value: { $0.requestsPerSecond }, target: .ratioAtLeast(0.6)),
            DurableMetric(label: "ingest-wrk-1", name: "latency p99 (wrk)", value: { $0.requestP99Us }, format: .micros),
            DurableMetric(label: "ingest-wrk-1", name: "server CPU per event", value: { $0.cpuPerEventUs }, format: .micros),
            DurableMetric(label: "ingest-wrk-1", name: "errors (non-2xx, socket)", value: { d($0.publishErrors) }, format: .count, target: .zero),
            DurableMetric(label: "ingest-wrk-10", name: "ten-entry events/s (wrk)", value: { $0.eventsPerSecond }, target: .ratioAtLeast(0.75)),
            DurableMetric(label: "ingest-wrk-10", name: "latency p99 (wrk)", value: { $0.requestP99Us }, format: .micros),
            DurableMetric(label: "ingest-wrk-10", name: "server CPU per event", value: { $0.cpuPerEventUs }, format: .micros),
            DurableMetric(label: "ingest-wrk-10", name: "errors (non-2xx, socket)", value: { d($0.publishErrors) }, format: .count, target: .zero),
            DurableMetric(label: "ingest-rate-1", name: "request latency p99 at a fixed rate", value: { $0.requestP99Us }, format: .micros, target: .reported),
            DurableMetric(label: "ingest-rate-1", name: "request latency p50", value: { $0.requestP50Us }, format: .micros),
            DurableMetric(label: "ingest-rate-1", name: "achieved requests/s", value: { $0.requestsPerSecond }),
            DurableMetric(label: "ingest-rate-1", name: "server CPU per event", value: { $0.cpuPerEventUs }, format: .micros),
            DurableMetric(label: "ingest-rate-1", name: "errors", value: { d($0.publishErrors) }, format: .count, target: .zero),
            DurableMetric(label: "broadcast-1k", name: "server CPU per delivery", value: { $0.cpuPerDeliveryUs }, format: .micros, target: .ratioAtMost(1.05)),
            DurableMetric(label: "broadcast-1k", name: "achieved deliveries/s", value: { $0.deliveriesPerSecond }),
            DurableMetric(label: "broadcast-1k", name: "latency p99", value: { $0.p99Us }, format: .micros),
            DurableMetric(label: "broadcast-1k", name: "lost + duplicated", value: { r in d((r.lost ?? 0) + (r.duplicated ?? 0)) }, format: .count, target: .zero),
        ]
            // Routed delivery: WebSocket messages are not journaled, so durable mode should cost what memory does.
            + ["routing-1k", "routing-5k"].flatMap { label in
                [
                    DurableMetric(label: label, name: "server CPU per delivery", value: { $0.cpuPerDeliveryUs }, format: .micros, target: .ratioAtMost(1.1)),
                    DurableMetric(label: label, name: "latency p99", value: { $0.p99Us }, format: .micros),
                    DurableMetric(label: label, name: "lost + duplicated", value: { r in d((r.lost ?? 0) + (r.duplicated ?? 0)) }, format: .count, target: .zero),
                ]
            }
    }

    static func renderDurable(_ results: [RunResult], clientBoundFraction: Double) -> String {
        func runs(_ label: String) -> [RunResult] {
            results.filter { $0.label == label && $0.system == "pushbridge" && $0.scenario != "journal" }
        }
        let d = { (value: Int?) in value.map(Double.init) }
        var lines = [
            "| Scenario | Metric | In-memory | Durable | Ratio durable/in-memory | Target / note |",
            "|---|---|---|---|---|---|",
        ]

        // wrk's ceiling, as in the first table: a result this close to it says more about wrk than the server.
        let ceiling = results.filter { $0.label == "ceiling-wrk" && $0.system == "echo" }
        let ceilingRequests = stats(ceiling.compactMap { $0.requestsPerSecond })?.median
        let ceilingSaturated = (stats(ceiling.compactMap { $0.generatorCPUPercent })?.median ?? 0) >= 90

        var shown: String?
        for metric in durableMetrics() {
            let memory = runs(metric.label)
            let durable = runs(metric.label + durableSuffix)
            guard !durable.isEmpty else { continue }
            let m = stats(memory.compactMap(metric.value))
            let dm = stats(durable.compactMap(metric.value))
            guard m != nil || dm != nil else { continue }
            var scenarioText = ""
            if shown != metric.label {
                shown = metric.label
                scenarioText = metric.label
                if let sample = durable.first {
                    var details: [String] = []
                    if let connections = sample.connections, connections > 0 { details.append("\(connections) conns") }
                    if let rate = sample.rate { details.append("\(formatNumber(rate))/s") }
                    if !details.isEmpty { scenarioText += " (" + details.joined(separator: ", ") + ")" }
                }
                scenarioText += ", n=\(memory.count)+\(durable.count)"
            }
            var ratio = ""
            if let m, let dm, m.median != 0 { ratio = String(format: "%.2f", dm.median / m.median) }
            var note = metric.target?.check(memory: m?.median, durable: dm?.median) ?? ""
            if metric.name.contains("(wrk)") && !metric.name.hasPrefix("latency") {
                // wrk's own CPU in each mode, and whether either result is client-bound.
                let memoryCPU = stats(memory.compactMap { $0.generatorCPUPercent })?.median
                let durableCPU = stats(durable.compactMap { $0.generatorCPUPercent })?.median
                note += "; wrk CPU \(memoryCPU.map { formatValue($0, .percent) } ?? "–") / \(durableCPU.map { formatValue($0, .percent) } ?? "–")"
                // On a shared machine the server may not get its whole core; the server's CPU per event is the
                // steadier figure, and its inverse ratio is what the throughput ratio would be if both were CPU-bound.
                if let memoryCost = stats(memory.compactMap { $0.cpuPerEventUs })?.median,
                    let durableCost = stats(durable.compactMap { $0.cpuPerEventUs })?.median, durableCost > 0
                {
                    note += String(format: "; CPU-bound estimate (in-memory ÷ durable CPU per event) %.2f", memoryCost / durableCost)
                }
                let requests = [memory, durable].map { stats($0.compactMap { $0.requestsPerSecond })?.median ?? 0 }
                let cpu = [memoryCPU ?? 0, durableCPU ?? 0]
                for (index, name) in ["in-memory", "durable"].enumerated() {
                    var bound = cpu[index] >= clientBoundFraction * 100
                    if let ceilingRequests, ceilingSaturated, requests[index] >= clientBoundFraction * ceilingRequests { bound = true }
                    if bound { note += " ⚠ \(name) client-bound" }
                }
            }
            lines.append("| \(scenarioText) | \(metric.name) | \(cell(m, metric.format)) | \(cell(dm, metric.format)) | \(ratio) | \(note) |")
        }

        // The data directory after each durable run: delivered messages leave the journal, so it must not grow
        // with the events that went through it.
        let journals = results.filter { $0.scenario == "journal" }
        var journalLabels: [String] = []
        for result in journals where !journalLabels.contains(result.label) { journalLabels.append(result.label) }
        var sizes: [(events: Double, bytes: Double, label: String)] = []
        for label in journalLabels {
            let group = journals.filter { $0.label == label }
            let up = stats(group.compactMap { d($0.journalBytes) })
            let stopped = stats(group.compactMap { d($0.journalBytesAfterStop) })
            let events = stats(group.compactMap { d($0.eventsIngested) })
            if let up, let events, events.median > 0 { sizes.append((events.median, up.median, label)) }
            let note = "after the server stopped: \(cell(stopped, .bytes)); events that server ingested: \(cell(events, .count))"
            lines.append(
                "| journal after \(label), n=\(group.count) | data directory (sqlite + wal + shm), server still up | – | \(cell(up, .bytes)) | | \(note) |"
            )
        }
        // Does the journal follow the traffic? Compare the run that ingested the most events with the one that
        // ingested the fewest: a journal keeping what was delivered would grow with the events.
        if let most = sizes.max(by: { $0.events < $1.events }), let fewest = sizes.min(by: { $0.events < $1.events }),
            fewest.bytes > 0
        {
            let eventsRatio = most.events / fewest.events
            let bytesRatio = most.bytes / fewest.bytes
            var note = String(format: "%.0f× the events, %.2f× the bytes", eventsRatio, bytesRatio)
            if eventsRatio >= 10 {
                note += " → does not grow with traffic " + (bytesRatio <= 2 ? "✅" : "❌")
            } else {
                note += " (too little difference in traffic to tell)"
            }
            lines.append(
                "| journal growth | \(most.label) (\(formatValue(most.events, .count)) events) against \(fewest.label) (\(formatValue(fewest.events, .count))) | – | \(formatValue(most.bytes, .bytes)) vs \(formatValue(fewest.bytes, .bytes)) | | \(note) |"
            )
        }

        // Recovery: one run per bench.
        for result in results where result.scenario == "recovery" {
            let asked = result.targetMessages ?? 0
            var fill = "asked for \(asked)"
            if let seconds = result.fillSeconds, seconds > 0, let queued = result.queuedBeforeKill {
                fill += ", filled in \(formatValue(seconds, .seconds)) (\(formatNumber(Double(queued) / seconds)) messages/s)"
            }
            if let queued = result.queuedBeforeKill { fill += "; queue depth at the kill \(queued)" }
            if let waiting = result.waitingBeforeKill { fill += ", \(waiting) of them waiting for their retry" }
            let recovered = result.recoveredMessages ?? 0
            var check = "< 10 s"
            if let wall = result.recoveryWallSeconds {
                if recovered >= 1_000_000 {
                    check += wall < 10 ? " ✅" : " ❌"
                } else {
                    check += " is for 1M messages; this run recovered \(recovered)"
                }
            } else {
                check += " ❌ (the server did not come back)"
            }
            func value(_ number: Double?, _ format: Format) -> String { number.map { formatValue($0, format) } ?? "–" }
            let rows: [(String, String, String)] = [
                ("messages recovered (pb.messages)", value(d(result.recoveredMessages), .count),
                 fill + (result.recoveredWaiting.map { "; recovered waiting for retry (pb.waiting_retry): \($0)" } ?? "")),
                ("exec → port accepting connections", value(result.recoveryWallSeconds, .seconds), check),
                ("reading the journal (pb.duration)", value(result.recoveryReadSeconds, .seconds), "part of the above"),
                ("server CPU until accepting", value(result.recoveryCPUSeconds, .seconds),
                 result.loadAverage.map { String(format: "1-minute load average at the restart: %.2f", $0) } ?? ""),
                ("server RSS once accepting", value(d(result.rssEndKB.map { $0 * 1024 }), .bytes),
                 "before the kill: \(value(d(result.rssBeforeKillKB.map { $0 * 1024 }), .bytes))"),
                ("data directory with the messages queued", value(d(result.journalBytes), .bytes), "sqlite + wal + shm at the kill"),
            ]
            var scenarioText = "recovery (kill -9, restart), once"
            for (name, durable, note) in rows {
                lines.append("| \(scenarioText) | \(name) | – | \(durable) | | \(note) |")
                scenarioText = ""
            }
        }
        return lines.joined(separator: "\n")
    }
}
