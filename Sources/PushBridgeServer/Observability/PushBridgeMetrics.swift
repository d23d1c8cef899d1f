import CoreMetrics
import Metrics
import Prometheus
import PushBridgeCore
import Synchronization

/// PushBridge's metrics, recorded through swift-metrics into one Prometheus registry.
///
/// Counters are incremented where things happen (deliveries, ingest, sockets); gauges and counters whose source of
/// truth is a domain object (queue depths, routed messages, slow consumers) are brought up to date by
/// ``refresh(runtime:)`` just before each scrape.
public final class PushBridgeMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory

    private struct Sampled {
        var routed: [TargetKey: (queue: ObjectIdentifier, value: Int)] = [:]
        var queueGauges: Set<TargetKey> = []
        var closedReported: [String: Int] = [:]
        var deadLettersEvicted = 0
    }

    private let sampled = Mutex(Sampled())
    private let socketsClosed = Atomic<Int>(0)
    private let socketsClosedWhileDraining = Atomic<Int>(0)
    private let operatorDisconnects = Atomic<Int>(0)
    /// Made once: the frame limit counts on the event loop, where a lookup through the handle cache's lock would not do.
    private let rateLimitedCounters: [RateLimit: CoreMetrics.Counter]

    public static let latencyName = "pushbridge_delivery_latency_seconds"

    /// The factory to bootstrap `MetricsSystem` with, so everything lands in `registry`.
    public static func makeFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[latencyName] = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
            .seconds(60), .seconds(300), .seconds(900), .seconds(3600),
        ]
        return factory
    }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        self.factory = Self.makeFactory(registry: registry)
        let factory = self.factory
        self.rateLimitedCounters = Dictionary(
            uniqueKeysWithValues: RateLimit.allCases.map { limit in
                (limit, CoreMetrics.Counter(label: Self.rateLimitedName, dimensions: [("limit", limit.rawValue)], factory: factory))
            }
        )
        for counter in rateLimitedCounters.values { counter.increment(by: 0) }
        // Families that should be visible from the first scrape, at zero.
        CoreMetrics.Counter(label: "pushbridge_connections_opened_total", factory: factory).increment(by: 0)
        CoreMetrics.Counter(label: "pushbridge_events_ingested_total", factory: factory).increment(by: 0)
        gauge("pushbridge_connections").record(0)
        gauge("pushbridge_subscriptions").record(0)
        gauge("pushbridge_dlq_depth").record(0)
        counter("pushbridge_dlq_evicted_total").increment(by: 0)
        for reason in ["slow_consumer", "operator", "shutdown", "other"] {
            counter("pushbridge_connections_closed_total", [("reason", reason)]).increment(by: 0)
        }
    }

    /// A metric's identity: its name and its dimensions, in order.
    private struct HandleKey: Hashable {
        let name: String
        let dimensions: [String]

        init(_ name: String, _ dimensions: [(String, String)]) {
            self.name = name
            self.dimensions = dimensions.flatMap { [$0.0, $0.1] }
        }
    }

    /// Handles are made once and reused: making one goes through the registry's lock and label hashing, which
    /// cost more than the increment itself on the ingest and delivery paths.
    private let counters = Mutex<[HandleKey: CoreMetrics.Counter]>([:])
    private let timers = Mutex<[HandleKey: CoreMetrics.Timer]>([:])

    func counter(_ name: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Counter {
        let key = HandleKey(name, dimensions)
        return counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = CoreMetrics.Counter(label: name, dimensions: dimensions, factory: factory)
            counters[key] = counter
            return counter
        }
    }

    func timer(_ name: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Timer {
        let key = HandleKey(name, dimensions)
        return timers.withLock { timers in
            if let timer = timers[key] { return timer }
            let timer = CoreMetrics.Timer(label: name, dimensions: dimensions, factory: factory)
            timers[key] = timer
            return timer
        }
    }

    func gauge(_ name: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: name, dimensions: dimensions, factory: factory)
    }

    /// The gauges kept per target while its queue exists.
    static let queueGaugeNames = ["pushbridge_queue_depth", "pushbridge_queue_in_flight", "pushbridge_queue_waiting_retry"]

    /// Drops every series labelled with `target` (its counters, latency histogram and queue gauges) from the
    /// registry and from the handle caches.
    func forgetSeries(of target: TargetKey) {
        let prefix = HandleKey("", Self.labels(target)).dimensions
        let isTargets: (HandleKey) -> Bool = { $0.dimensions.starts(with: prefix) }
        let counters = counters.withLock { cache in
            let found = cache.filter { isTargets($0.key) }
            for key in found.keys { cache.removeValue(forKey: key) }
            return Array(found.values)
        }
        let timers = timers.withLock { cache in
            let found = cache.filter { isTargets($0.key) }
            for key in found.keys { cache.removeValue(forKey: key) }
            return Array(found.values)
        }
        for counter in counters { counter.destroy() }
        for timer in timers { timer.destroy() }
        sampled.withLock { sampled in
            sampled.routed[target] = nil
            sampled.queueGauges.remove(target)
        }
        for name in Self.queueGaugeNames { gauge(name, Self.labels(target)).destroy() }
    }

    // MARK: Events from the server

    /// A scheduled rule's firing: `fired`, `other_node` (a cluster node that claimed it first sent it), `throttled`,
    /// `not_recorded` or `not_claimed` (the store could not be asked).
    func scheduleFiring(_ outcome: RuleScheduler.Outcome) {
        let name: String
        switch outcome {
        case .sent(.fired): name = "fired"
        case .sent(.skipped): return
        case .sent(.throttled): name = "throttled"
        case .sent(.notRecorded): name = "not_recorded"
        case .claimedByOtherNode: name = "other_node"
        case .notClaimed: name = "not_claimed"
        }
        counter("pushbridge_schedule_firings_total", [("outcome", name)]).increment()
    }

    func eventsIngested(_ count: Int) {
        if count > 0 { counter("pushbridge_events_ingested_total").increment(by: count) }
    }

    func eventsRejected(code: String, count: Int = 1) {
        if count > 0 { counter("pushbridge_events_rejected_total", [("code", code)]).increment(by: count) }
    }

    func connectionOpened() { counter("pushbridge_connections_opened_total").increment() }

    func connectionClosed(draining: Bool) {
        socketsClosed.add(1, ordering: .relaxed)
        if draining { socketsClosedWhileDraining.add(1, ordering: .relaxed) }
    }

    func operatorDisconnected() { operatorDisconnects.add(1, ordering: .relaxed) }

    /// The limits that refuse work, as the `limit` label of `pushbridge_rate_limited_total`.
    enum RateLimit: String, CaseIterable, Sendable {
        /// A WebSocket upgrade over `--max-connect-rate`.
        case connectGlobal = "connect_global"
        /// A new connection over `--max-new-connections-per-ip`.
        case connectPerAddress = "connect_ip"
        /// A WebSocket frame over `--max-frames-per-second`.
        case frames
        /// A PutEvents entry over `--put-events-rate`.
        case putEvents = "put_events"
    }

    static let rateLimitedName = "pushbridge_rate_limited_total"

    /// Counts `count` things refused by `limit`.
    func rateLimited(_ limit: RateLimit, count: Int = 1) {
        if count > 0 { rateLimitedCounters[limit]?.increment(by: count) }
    }

    // MARK: Scrape

    /// Brings gauges and derived counters up to date, then renders the registry in Prometheus text format.
    public func render(runtime: PushBridgeRuntime) -> String {
        refresh(runtime: runtime)
        return registry.emitToString()
    }

    func refresh(runtime: PushBridgeRuntime) {
        gauge("pushbridge_connections").record(runtime.registry.connectionCount)
        gauge("pushbridge_subscriptions").record(runtime.registry.subscriptionCount)
        gauge("pushbridge_dlq_depth").record(runtime.deadLetters.count)
        let evicted = runtime.deadLetters.evictedCount
        let queues = runtime.router.queues().map { ($0, $0.snapshot) }
        let closedByReason = closedReasons(slowConsumers: runtime.fanOutStatistics.slowConsumersClosed)
        var gone: Set<TargetKey> = []
        sampled.withLock { sampled in
            var seen: Set<TargetKey> = []
            for (queue, snapshot) in queues {
                let key = snapshot.target
                seen.insert(key)
                let labels = Self.labels(key)
                gauge("pushbridge_queue_depth", labels).record(snapshot.depth)
                gauge("pushbridge_queue_in_flight", labels).record(snapshot.inFlight)
                gauge("pushbridge_queue_waiting_retry", labels).record(snapshot.waitingForRetry)
                // Messages routed to the target by a rule match: the queue's enqueue count, as a monotonic counter
                // even when a target is removed and recreated.
                let identity = ObjectIdentifier(queue)
                let previous = sampled.routed[key].flatMap { $0.queue == identity ? $0.value : nil } ?? 0
                let delta = snapshot.counters.enqueued - previous
                counter("pushbridge_rule_matches_total", labels).increment(by: max(0, delta))
                sampled.routed[key] = (identity, snapshot.counters.enqueued)
            }
            // A queue gone since the last scrape whose series came back (its target was removed while the last scrape
            // sampled it): they are dropped again below.
            gone = sampled.queueGauges.subtracting(seen)
            sampled.queueGauges = seen
            if evicted > sampled.deadLettersEvicted {
                counter("pushbridge_dlq_evicted_total").increment(by: evicted - sampled.deadLettersEvicted)
                sampled.deadLettersEvicted = evicted
            }
            for (reason, total) in closedByReason {
                let delta = total - sampled.closedReported[reason, default: 0]
                if delta > 0 {
                    counter("pushbridge_connections_closed_total", [("reason", reason)]).increment(by: delta)
                    sampled.closedReported[reason] = total
                }
            }
        }
        for key in gone { forgetSeries(of: key) }
    }

    /// Closed sockets by reason, as far as the server can tell them apart: closed by the slow-consumer guard, by an
    /// operator, during shutdown, or otherwise (the client, idle or maximum-duration timeouts, DeleteConnection).
    private func closedReasons(slowConsumers: Int) -> [(String, Int)] {
        let total = socketsClosed.load(ordering: .relaxed)
        let shutdown = socketsClosedWhileDraining.load(ordering: .relaxed)
        let byOperator = operatorDisconnects.load(ordering: .relaxed)
        let other = max(0, total - shutdown - byOperator - slowConsumers)
        return [("slow_consumer", slowConsumers), ("operator", byOperator), ("shutdown", shutdown), ("other", other)]
    }

    static func labels(_ key: TargetKey) -> [(String, String)] {
        [("bus", key.busName), ("rule", key.ruleName), ("target", key.targetId)]
    }
}
