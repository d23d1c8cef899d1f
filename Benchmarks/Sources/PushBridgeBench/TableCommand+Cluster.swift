import Foundation

/// The cluster table: the same scenario on one node in memory, one node on PostgreSQL and two nodes on one
/// PostgreSQL, all on the server's core. On two cores this measures what cluster mode costs, not how it scales.
extension TableCommand {
    /// Label suffixes of cluster runs: one node (`-pg1`) and two nodes (`-pg2`) on PostgreSQL.
    static let clusterSuffixes = ["-pg1", "-pg2"]

    static func isClusterRun(_ result: RunResult) -> Bool {
        clusterSuffixes.contains { result.label.hasSuffix($0) }
    }

    struct ClusterMetric {
        let name: String
        let value: (RunResult) -> Double?
        var format: Format = .number
    }

    static func clusterMetrics() -> [ClusterMetric] {
        let d = { (value: Int?) in value.map(Double.init) }
        func node(_ index: Int, _ values: [Double]?) -> Double? {
            guard let values, values.count > index else { return nil }
            return values[index]
        }
        return [
            ClusterMetric(name: "offered deliveries/s", value: { $0.offeredDeliveriesPerSecond }),
            ClusterMetric(name: "achieved deliveries/s", value: { $0.deliveriesPerSecond }),
            ClusterMetric(name: "PushBridge CPU per delivery (all nodes)", value: { $0.cpuPerDeliveryUs }, format: .micros),
            ClusterMetric(name: "… node 1: its CPU per delivery to its sockets", value: { node(0, $0.cpuPerDeliveryByNodeUs) }, format: .micros),
            ClusterMetric(name: "… node 2: its CPU per delivery to its sockets", value: { node(1, $0.cpuPerDeliveryByNodeUs) }, format: .micros),
            ClusterMetric(name: "PushBridge CPU (all nodes, % of one core)", value: { $0.serverCPUPercent }, format: .percent),
            ClusterMetric(name: "PostgreSQL CPU per published event", value: { $0.postgresCPUPerEventUs }, format: .micros),
            ClusterMetric(
                name: "PostgreSQL CPU (% of one core)",
                value: { r in
                    guard let cpu = r.postgresCPUSeconds, let seconds = r.durationSeconds, seconds > 0 else { return nil }
                    return cpu / seconds * 100
                },
                format: .percent
            ),
            ClusterMetric(name: "latency p50", value: { $0.p50Us }, format: .micros),
            ClusterMetric(name: "latency p99", value: { $0.p99Us }, format: .micros),
            ClusterMetric(name: "latency p99.9", value: { $0.p999Us }, format: .micros),
            ClusterMetric(name: "lost", value: { d($0.lost) }, format: .count),
            ClusterMetric(name: "duplicated", value: { d($0.duplicated) }, format: .count),
            ClusterMetric(name: "publish errors / not sent", value: { r in d((r.publishErrors ?? 0) + (r.notSent ?? 0)) }, format: .count),
        ]
    }

    static func renderCluster(_ results: [RunResult]) -> String {
        var lines = [
            "| Scenario | Metric | One node, in memory | One node, PostgreSQL | Two nodes, PostgreSQL | Two ÷ one on PostgreSQL |",
            "|---|---|---|---|---|---|",
        ]
        var labels: [String] = []
        for result in results where result.label.hasSuffix("-pg1") {
            let base = String(result.label.dropLast(4))
            if !labels.contains(base) { labels.append(base) }
        }
        for label in labels {
            let memory = results.filter { $0.label == label && $0.system == "pushbridge" }
            let one = results.filter { $0.label == label + "-pg1" }
            let two = results.filter { $0.label == label + "-pg2" }
            guard let sample = one.first else { continue }
            var scenarioText = label
            if let connections = sample.connections, connections > 0 {
                scenarioText += " (\(connections) conns" + (sample.rate.map { ", \(formatNumber($0)) events/s" } ?? "") + ")"
            }
            scenarioText += ", n=\(memory.count)+\(one.count)+\(two.count)"
            for metric in clusterMetrics() {
                let m = stats(memory.compactMap(metric.value))
                let o = stats(one.compactMap(metric.value))
                let t = stats(two.compactMap(metric.value))
                guard m != nil || o != nil || t != nil else { continue }
                var ratio = ""
                if let o, let t, o.median != 0 { ratio = String(format: "%.2f", t.median / o.median) }
                lines.append("| \(scenarioText) | \(metric.name) | \(cell(m, metric.format)) | \(cell(o, metric.format)) | \(cell(t, metric.format)) | \(ratio) |")
                scenarioText = ""
            }
        }
        return lines.joined(separator: "\n")
    }
}
