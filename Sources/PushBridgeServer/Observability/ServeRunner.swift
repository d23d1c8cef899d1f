import Logging
import Metrics
import Prometheus
import PushBridgeCore
import ServiceLifecycle

/// How `pushbridge serve` runs: metrics bootstrapped once, the server, then a graceful drain on the first signal.
public enum ServeRunner {
    /// Bootstraps swift-metrics with a Prometheus factory (once per process) and returns the operator surface
    /// whose `/metrics` renders that registry.
    public static func bootstrapMetrics() -> OperatorSurface {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PushBridgeMetrics.makeFactory(registry: registry))
        return OperatorSurface(metrics: PushBridgeMetrics(registry: registry))
    }

    /// Runs `application` until SIGTERM/SIGINT; then ``ShutdownDrain`` (up to `grace`), then the server's own graceful
    /// shutdown (sockets closed with 1001). A second signal exits at once.
    public static func run(
        _ application: some Service,
        runtime: PushBridgeRuntime,
        operations: OperatorSurface,
        grace: Duration,
        logger: Logger
    ) async throws {
        let drain = ShutdownDrain(runtime: runtime, readiness: operations.readiness, grace: grace, logger: logger)
        // The drain comes last so graceful shutdown reaches it first: the server keeps answering (/readyz 503)
        // while deliveries finish, and only then stops and closes sockets with 1001.
        // A cluster node's heartbeat goes first, so it stops last: its leases stay its own while deliveries drain.
        var services: [any Service] = [application, drain]
        if let cluster = runtime.cluster { services.insert(cluster, at: 0) }
        var configuration = ServiceGroupConfiguration(services: services, logger: logger)
        configuration.maximumGracefulShutdownDuration = grace + .seconds(15)
        let group = ServiceGroup(configuration: configuration)
        let signals = ShutdownSignals(logger: logger) { await group.triggerGracefulShutdown() }
        signals.install()
        // Whatever happens to the group, what was submitted is committed and the data directory is released.
        defer { runtime.store.close() }
        do {
            try await group.run()
        } catch {
            await runtime.store.shutdown()
            throw error
        }
        await runtime.store.shutdown()
        logger.info("PushBridge stopped")
    }
}
