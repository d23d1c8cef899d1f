import PushBridgeCore

/// Counts PutEvents entries ingested and rejected by error code.
struct IngestMetrics: IngestObserver {
    let metrics: PushBridgeMetrics

    func accepted(_ count: Int) { metrics.eventsIngested(count) }
    func rejected(code: String, count: Int) { metrics.eventsRejected(code: code, count: count) }
}
