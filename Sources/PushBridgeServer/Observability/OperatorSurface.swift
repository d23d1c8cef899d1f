import Hummingbird
import PushBridgeCore

/// What operators see of a running server: metrics, readiness, and the admin API's token. Built before the
/// server so the CLI can share the metrics registry and drive the drain.
public struct OperatorSurface: Sendable {
    public let metrics: PushBridgeMetrics
    public let readiness: Readiness

    public init(metrics: PushBridgeMetrics = PushBridgeMetrics(), readiness: Readiness = Readiness()) {
        self.metrics = metrics
        self.readiness = readiness
    }

    /// The delivery observer to give the runtime.
    public var observer: any DeliveryObserver { MetricsDeliveryObserver(metrics: metrics) }
    /// The PutEvents observer to give the runtime: counts entries where they are decided.
    public var ingestObserver: any IngestObserver { IngestMetrics(metrics: metrics) }

    /// Adds `/admin/…` (behind the token), `/metrics`, `/healthz` and `/readyz` (PutEvents are counted, and
    /// refused while draining, by ``EventsAPIEndpoint``; sockets by ``WebSocketGateway``). Without a configured token
    /// the admin API gets a random one nobody knows: it stays closed.
    func register(on router: Router<PushBridgeRequestContext>, runtime: PushBridgeRuntime, eventsEndpoint: EventsAPIEndpoint) {
        let token = runtime.configuration.adminToken ?? AdminToken.generate()
        let metrics = self.metrics
        AdminRoutes(runtime: runtime, eventsEndpoint: eventsEndpoint, onDisconnect: { metrics.operatorDisconnected() })
            .register(on: router, token: token)
        ObservabilityRoutes(runtime: runtime, metrics: metrics, readiness: readiness).register(on: router)
    }
}
