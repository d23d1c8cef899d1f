import Metrics
import PushBridgeCore

/// Counts deliveries by target and outcome, retries and dead letters, and times ingest → delivered.
public struct MetricsDeliveryObserver: DeliveryObserver {
    let metrics: PushBridgeMetrics

    public init(metrics: PushBridgeMetrics) { self.metrics = metrics }

    public func delivered(_ message: DeliveryMessage, latency: Duration) {
        let labels = PushBridgeMetrics.labels(message.target)
        metrics.counter("pushbridge_deliveries_total", labels + [("outcome", "delivered")]).increment()
        metrics.timer(PushBridgeMetrics.latencyName, labels).recordNanoseconds(max(0, latency.wholeMilliseconds) * 1_000_000)
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
}
