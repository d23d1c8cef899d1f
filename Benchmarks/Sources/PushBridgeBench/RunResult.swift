/// One measurement, written as one JSON line; `table` aggregates them.
struct RunResult: Codable, Sendable {
    var label: String
    var system: String
    var scenario: String
    var connections: Int?
    var rate: Double?
    var durationSeconds: Double?
    var entries: Int?
    var offeredDeliveriesPerSecond: Double?

    var published: Int?
    var publishErrors: Int?
    var notSent: Int?
    var expected: Int?
    var delivered: Int?
    var lost: Int?
    var duplicated: Int?
    var stray: Int?
    var notWarm: Int?
    var connectFailures: Int?
    var closedByServer: Int?
    var slowClosedByServer: Bool?
    var slowFrames: Int?
    var maxBacklog: Int?

    var deliveriesPerSecond: Double?
    var requestsPerSecond: Double?
    var eventsPerSecond: Double?
    var p50Us: Double?
    var p99Us: Double?
    var p999Us: Double?
    var maxUs: Double?
    var requestP50Us: Double?
    var requestP99Us: Double?

    var serverCPUSeconds: Double?
    // Cluster runs: several nodes (one port each) on one PostgreSQL.
    var nodes: Int?
    var serverCPUSecondsByNode: [Double]?
    var deliveredByNode: [Int]?
    var cpuPerDeliveryByNodeUs: [Double]?
    var postgresCPUSeconds: Double?
    var postgresCPUPerEventUs: Double?
    var serverCPUPercent: Double?
    var cpuPerDeliveryUs: Double?
    var cpuPerEventUs: Double?
    var generatorCPUPercent: Double?
    var rssStartKB: Int?
    var rssEndKB: Int?
    var rssPeakKB: Int?
    var bytesPerConnection: Double?

    // Durable runs (`Scripts/bench` writes these lines itself). "journal": the data directory after a run.
    var journalBytes: Int?
    var journalBytesAfterStop: Int?
    var eventsIngested: Int?
    // "recovery": a durable server filled with queued messages, killed (-9) and started again.
    var targetMessages: Int?
    var queuedBeforeKill: Int?
    var waitingBeforeKill: Int?
    var fillSeconds: Double?
    var rssBeforeKillKB: Int?
    var recoveredMessages: Int?
    var recoveredWaiting: Int?
    var recoveryReadSeconds: Double?
    var recoveryWallSeconds: Double?
    var recoveryCPUSeconds: Double?
    /// The 1-minute load average when the measurement started (other work on the cores shows here).
    var loadAverage: Double?

    init(label: String, system: String, scenario: String) {
        self.label = label
        self.system = system
        self.scenario = scenario
    }
}
