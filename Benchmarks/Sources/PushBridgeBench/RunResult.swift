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
    var serverCPUPercent: Double?
    var cpuPerDeliveryUs: Double?
    var cpuPerEventUs: Double?
    var generatorCPUPercent: Double?
    var rssStartKB: Int?
    var rssEndKB: Int?
    var rssPeakKB: Int?
    var bytesPerConnection: Double?

    init(label: String, system: String, scenario: String) {
        self.label = label
        self.system = system
        self.scenario = scenario
    }
}
