import CoreMetrics
import Metrics
import PushBridgeCore
import Synchronization

/// Counts deliveries by target and outcome, retries and dead letters, and times ingest → delivered.
public struct MetricsDeliveryObserver: DeliveryObserver {
    let metrics: PushBridgeMetrics
    /// Every delivered message records two metrics of its target: their handles are looked up by the target alone,
    /// instead of rebuilding and hashing the label lists for each message.
    private let deliveredHandles = DeliveredHandles()

    public init(metrics: PushBridgeMetrics) { self.metrics = metrics }

    public func delivered(_ message: DeliveryMessage, latency: Duration) {
        let (counter, timer) = deliveredHandles.handles(for: message.target, metrics: metrics)
        counter.increment()
        timer.recordNanoseconds(max(0, latency.wholeMilliseconds) * 1_000_000)
    }

    public func retryScheduled(_ message: DeliveryMessage, failure: DeliveryFailure) {
        let labels = PushBridgeMetrics.labels(message.target)
        metrics.counter("pushbridge_deliveries_total", labels + [("outcome", "retry_scheduled")]).increment()
        metrics.counter("pushbridge_retries_total", labels + [("code", failure.code)]).increment()
    }

    public func deadLettered(_ entry: DeadLetterEntry) {
        let labels = PushBridgeMetrics.labels(entry.target)
        metrics.counter("pushbridge_deliveries_total", labels + [("outcome", "dead_lettered")]).increment()
        metrics.counter("pushbridge_dead_letters_total", labels + [("code", entry.errorCode)]).increment()
    }

    /// Without this, every target ever created keeps its series in `/metrics` and its handles in memory: a client
    /// that creates and removes targets in a loop would grow both without bound.
    public func targetRemoved(_ target: TargetKey) {
        deliveredHandles.forget(target)
        metrics.forgetSeries(of: target)
    }
}

/// The delivered counter and latency timer of each target.
private final class DeliveredHandles: Sendable {
    private let handles = Mutex<[TargetKey: (CoreMetrics.Counter, CoreMetrics.Timer)]>([:])

    func handles(for target: TargetKey, metrics: PushBridgeMetrics) -> (CoreMetrics.Counter, CoreMetrics.Timer) {
        if let found = handles.withLock({ $0[target] }) { return found }
        let labels = PushBridgeMetrics.labels(target)
        let made = (
            metrics.counter("pushbridge_deliveries_total", labels + [("outcome", "delivered")]),
            metrics.timer(PushBridgeMetrics.latencyName, labels)
        )
        handles.withLock { $0[target] = made }
        return made
    }

    func forget(_ target: TargetKey) {
        _ = handles.withLock { $0.removeValue(forKey: target) }
    }
}
