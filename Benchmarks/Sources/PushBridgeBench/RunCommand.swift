import ArgumentParser
import Foundation
import Histogram
import NIOCore
import NIOPosix

enum Scenario: String, Codable, Sendable, CaseIterable, ExpressibleByArgument {
    /// Publish at a fixed rate with no subscribers: request latency and achieved rate.
    case ingest
    /// One entity, every connection subscribed to it.
    case broadcast
    /// Connection i subscribed to entity i; messages spread over the entities.
    case routing
    /// Connections subscribed and idle: server RSS per connection.
    case idle
    /// Broadcast with one subscriber that stops reading when the measured phase starts.
    case slow
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Runs one scenario against one server and prints one JSON line of results."
    )

    @Option(help: "Server kind: pushbridge, nchan or echo.") var system: ServerKind
    @Option(help: "Scenario: ingest, broadcast, routing, idle, slow.") var scenario: Scenario
    @Option(help: "A name for the result row (defaults to the scenario).") var label: String?
    @Option(help: "Server host (loopback only).") var host = "127.0.0.1"
    @Option(help: "Server port; repeat it for several nodes (connection i goes to the i-th port, round robin).")
    var port: [Int]
    @Option(help: "PushBridge stage (socket path).") var stage = "dev"
    @Option(help: "PID of a server process whose CPU and RSS are read from /proc; repeat it per node, in --port order.")
    var serverPid: [Int32] = []
    @Option(help: "PID of PostgreSQL's postmaster: its CPU and its children's is read from /proc.") var postgresPid: Int32?
    @Option(help: "WebSocket subscribers.") var connections = 0
    @Option(help: "Offered publish rate, messages per second.") var rate: Double = 100
    @Option(help: "Seconds of measured publishing.") var duration: Double = 5
    @Option(help: "Seconds of warm-up publishing (not measured).") var warmup: Double = 1
    @Option(help: "Keep-alive HTTP connections used to publish.") var publishers = 8
    @Option(help: "Events per PutEvents request (PushBridge only).") var entries = 1
    @Option(help: "Characters of padding in each message.") var padding = 0
    @Option(help: "Seconds to wait for every connection to be subscribed.") var connectTimeout: Double = 120
    @Option(help: "Seconds to wait, after publishing, for outstanding deliveries.") var drainTimeout: Double = 5
    @Option(help: "Seconds connections stay idle before RSS is read (idle scenario).") var settle: Double = 2

    func validate() throws {
        guard host.hasPrefix("127.") || host == "localhost" || host == "::1" else {
            throw ValidationError("loopback only: --host must be 127.x.x.x, localhost or ::1")
        }
        guard rate > 0, duration > 0, duration <= 600, connections >= 0, connections <= 60_000, publishers > 0 else {
            throw ValidationError("rate and duration must be positive (duration ≤ 600 s), connections ≤ 60000")
        }
        guard entries >= 1, entries <= 10 else { throw ValidationError("--entries is 1…10") }
        guard !port.isEmpty, port.count <= 16, port.allSatisfy({ (1...65535).contains($0) }) else {
            throw ValidationError("--port is 1…65535, given once per node (at most 16)")
        }
        guard serverPid.isEmpty || serverPid.count == port.count else {
            throw ValidationError("give --server-pid once per --port, or not at all")
        }
    }

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let result = try await measure(on: group.next())
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
            try await group.shutdownGracefully()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private func log(_ message: String) {
        FileHandle.standardError.write(Data("[\(system.rawValue) \(label ?? scenario.rawValue)] \(message)\n".utf8))
    }

    /// Polls `condition` on the loop every 20 ms until it holds or `timeout` passes; `tick` runs on each poll.
    private func waitFor(
        _ loop: any EventLoop,
        timeout: Double,
        tick: () -> Void = {},
        until condition: @escaping @Sendable () -> Bool
    ) async throws -> Bool {
        let deadline = monotonicNanos() + UInt64(timeout * 1e9)
        while monotonicNanos() < deadline {
            if try await loop.submit(condition).get() { return true }
            tick()
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        return try await loop.submit(condition).get()
    }

    private func measure(on loop: any EventLoop) async throws -> RunResult {
        let wire = Wire(
            kind: system,
            host: host,
            ports: port,
            stage: stage,
            padding: String(repeating: "x", count: padding)
        )
        let layout: LoadRun.Layout
        switch scenario {
        case .broadcast, .slow: layout = .broadcast
        case .routing, .idle: layout = .routing
        case .ingest: layout = .none
        }
        let subscribers = scenario == .ingest ? 0 : connections
        let run = LoadRun(
            loop: loop,
            wire: wire,
            layout: layout,
            subscriberCount: subscribers,
            entriesPerPublish: system == .pushbridge ? entries : 1
        )
        var result = RunResult(label: label ?? scenario.rawValue, system: system.rawValue, scenario: scenario.rawValue)
        result.connections = subscribers
        result.rate = rate
        result.durationSeconds = duration
        result.entries = run.entriesPerPublish
        result.nodes = port.count
        let serverPid = self.serverPid.first
        let rssBefore = serverPid.flatMap(Proc.residentKB)

        // Subscribers.
        if subscribers > 0 {
            let started = monotonicNanos()
            try await loop.submit { run.connectSubscribers(concurrency: 128) }.get()
            let allReady = try await waitFor(loop, timeout: connectTimeout) {
                run.connectsFinished == run.subscriberCount && run.readyCount + run.connectFailures >= run.subscriberCount
            }
            let (readyCount, failures) = try await loop.submit { (run.readyCount, run.connectFailures) }.get()
            log(
                "\(readyCount)/\(subscribers) subscribed in \(String(format: "%.1f", Double(monotonicNanos() - started) / 1e9)) s"
                    + (failures > 0 ? ", \(failures) failed" : "") + (allReady ? "" : " (timed out)")
            )
            result.connectFailures = subscribers - readyCount
        }

        if scenario == .idle {
            try await Task.sleep(nanoseconds: UInt64(settle * 1e9))
            let rssAfter = serverPid.flatMap(Proc.residentKB)
            let readyCount = try await loop.submit { run.readyCount }.get()
            result.rssStartKB = rssBefore
            result.rssEndKB = rssAfter
            if let rssBefore, let rssAfter, readyCount > 0 {
                result.bytesPerConnection = Double(rssAfter - rssBefore) * 1024 / Double(readyCount)
            }
            result.closedByServer = try await loop.submit { run.closedByPeer }.get()
            try await loop.flatSubmit { run.closeAll() }.get()
            return result
        }

        // Publishers and warm-up (also the barrier: every subscriber has received a frame).
        try await loop.flatSubmit { run.connectPublishers(publishers) }.get()
        let warmRate = rate
        var missing = Array(0..<run.entityCount)
        for round in 0..<4 where !missing.isEmpty {
            let count = round == 0 ? max(missing.count, Int(warmRate * warmup)) : missing.count
            let entities = missing
            try await loop.submit { run.schedule(count: count, rate: warmRate, measured: false, entities: entities) }.get()
            _ = try await waitFor(loop, timeout: Double(count) / warmRate + 3) {
                run.scheduleDone && run.backlog == 0 && run.idlePublishers.count == run.publishers.count
                    && run.warmSeenCount >= run.readyCount
            }
            guard subscribers > 0 else { break }
            missing = try await loop.submit {
                var entities = Set<Int>()
                for index in 0..<run.subscriberCount where run.ready[index] && !run.warmSeen[index] {
                    entities.insert(run.entity(ofSubscriber: index))
                }
                return entities.sorted()
            }.get()
            if !missing.isEmpty { log("warm-up round \(round + 1): \(missing.count) entities not yet delivered") }
        }
        result.notWarm = try await loop.submit { run.readyCount - run.warmSeenCount }.get()
        try await Task.sleep(nanoseconds: 300_000_000)

        // The measured phase.
        if scenario == .slow { try await loop.submit { run.stall(0) }.get() }
        let count = max(1, Int((rate * duration).rounded()))
        let measuredRate = rate
        let cpuStart = Proc.cpuSeconds(pids: self.serverPid)
        let postgresStart = postgresPid.flatMap(Proc.treeCPUSeconds)
        let generatorStart = Proc.cpuSeconds(pid: Proc.selfPID)
        let rssStart = serverPid.flatMap(Proc.residentKB)
        var rssPeak = rssStart ?? 0
        var lastSample = monotonicNanos()
        let started = monotonicNanos()
        try await loop.submit { run.beginMeasurement(count: count, rate: measuredRate) }.get()
        let pid = serverPid
        let complete = try await waitFor(
            loop,
            timeout: duration + drainTimeout,
            tick: {
                let now = monotonicNanos()
                if now - lastSample > 250_000_000, let pid, let rss = Proc.residentKB(pid: pid) {
                    rssPeak = max(rssPeak, rss)
                    lastSample = now
                }
            },
            until: { run.measurementComplete }
        )
        let finished = monotonicNanos()
        let cpuEnd = Proc.cpuSeconds(pids: self.serverPid)
        let postgresEnd = postgresPid.flatMap(Proc.treeCPUSeconds)
        let generatorEnd = Proc.cpuSeconds(pid: Proc.selfPID)
        let rssEnd = serverPid.flatMap(Proc.residentKB)
        if !complete { log("measured phase did not complete within \(duration + drainTimeout) s") }

        struct Snapshot: Sendable {
            var issued, responses, accepted, errors, expected, unique, duplicates, stray, slowFrames, closed, backlog: Int
            var slowClosed: Bool
            var firstDelivery, lastDelivery, lastResponse: UInt64
            var latency, requestLatency: Histogram<UInt64>
            var uniqueByNode: [Int]
        }
        let snapshot = try await loop.submit {
            Snapshot(
                issued: run.measuredIssued,
                responses: run.measuredResponses,
                accepted: run.measuredAccepted,
                errors: run.publishErrors,
                expected: run.expected,
                unique: run.unique,
                duplicates: run.duplicates,
                stray: run.strayFrames,
                slowFrames: run.slowFrames,
                closed: run.closedByPeer,
                backlog: run.maxBacklog,
                slowClosed: run.slowClosedByServer,
                firstDelivery: run.firstDelivery,
                lastDelivery: run.lastDelivery,
                lastResponse: run.lastResponse,
                latency: run.latency,
                requestLatency: run.requestLatency,
                uniqueByNode: run.uniqueByNode
            )
        }.get()
        try await loop.flatSubmit { run.closeAll() }.get()

        let window = Double(finished - started) / 1e9
        result.published = snapshot.accepted
        result.publishErrors = snapshot.errors
        result.notSent = count - snapshot.responses
        result.maxBacklog = snapshot.backlog
        result.closedByServer = snapshot.closed
        result.stray = snapshot.stray
        if let cpuStart, let cpuEnd {
            let spent = zip(cpuEnd, cpuStart).map { $0 - $1 }
            result.serverCPUSeconds = spent.reduce(0, +)
            result.serverCPUPercent = spent.reduce(0, +) / window * 100
            if spent.count > 1 { result.serverCPUSecondsByNode = spent }
        }
        if let postgresStart, let postgresEnd {
            result.postgresCPUSeconds = postgresEnd - postgresStart
            if snapshot.accepted > 0 {
                result.postgresCPUPerEventUs = (postgresEnd - postgresStart) * 1e6 / Double(snapshot.accepted * run.entriesPerPublish)
            }
        }
        if let generatorStart, let generatorEnd {
            result.generatorCPUPercent = (generatorEnd - generatorStart) / window * 100
        }
        result.rssStartKB = rssStart
        result.rssEndKB = rssEnd
        result.rssPeakKB = rssEnd.map { max(rssPeak, $0) }
        let responseSeconds = max(duration, Double(snapshot.lastResponse > started ? snapshot.lastResponse - started : 0) / 1e9)
        result.requestsPerSecond = Double(snapshot.responses) / responseSeconds
        result.eventsPerSecond = Double(snapshot.accepted * run.entriesPerPublish) / responseSeconds
        result.requestP50Us = Double(snapshot.requestLatency.valueAtPercentile(50))
        result.requestP99Us = Double(snapshot.requestLatency.valueAtPercentile(99))
        if scenario == .ingest {
            if let cpu = result.serverCPUSeconds, snapshot.accepted > 0 {
                result.cpuPerEventUs = cpu * 1e6 / Double(snapshot.accepted * run.entriesPerPublish)
            }
            log(
                "ingest: \(Int(result.requestsPerSecond ?? 0)) req/s offered \(Int(rate)), p99 \(Int(result.requestP99Us ?? 0)) µs, errors \(snapshot.errors)"
            )
            return result
        }

        let receivers = subscribers - (scenario == .slow ? 1 : 0)
        result.offeredDeliveriesPerSecond = layout == .broadcast ? rate * Double(receivers) : rate
        result.expected = snapshot.expected
        result.delivered = snapshot.unique
        result.lost = max(0, snapshot.expected - snapshot.unique)
        result.duplicated = snapshot.duplicates
        if scenario == .slow {
            result.slowFrames = snapshot.slowFrames
            result.slowClosedByServer = snapshot.slowClosed
        }
        let deliverySeconds = max(duration, Double(snapshot.lastDelivery > started ? snapshot.lastDelivery - started : 0) / 1e9)
        result.deliveriesPerSecond = Double(snapshot.unique) / deliverySeconds
        result.p50Us = Double(snapshot.latency.valueAtPercentile(50))
        result.p99Us = Double(snapshot.latency.valueAtPercentile(99))
        result.p999Us = Double(snapshot.latency.valueAtPercentile(99.9))
        result.maxUs = Double(snapshot.latency.max)
        if let cpu = result.serverCPUSeconds, snapshot.unique > 0 {
            result.cpuPerDeliveryUs = cpu * 1e6 / Double(snapshot.unique)
        }
        if port.count > 1 {
            result.deliveredByNode = snapshot.uniqueByNode
            if let byNode = result.serverCPUSecondsByNode {
                result.cpuPerDeliveryByNodeUs = zip(byNode, snapshot.uniqueByNode).map { cpu, delivered in
                    delivered > 0 ? cpu * 1e6 / Double(delivered) : 0
                }
            }
        }
        log(
            "\(snapshot.unique)/\(snapshot.expected) delivered, \(Int(result.deliveriesPerSecond ?? 0))/s, p99 \(Int(result.p99Us ?? 0)) µs, "
                + "lost \(result.lost ?? 0), dup \(snapshot.duplicates), server CPU \(String(format: "%.3f", result.cpuPerDeliveryUs ?? -1)) µs/delivery, "
                + "generator CPU \(Int(result.generatorCPUPercent ?? 0)) %"
        )
        return result
    }
}
