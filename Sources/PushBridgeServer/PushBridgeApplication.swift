import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import PushBridgeAuth
import PushBridgeCore
import ServiceLifecycle

/// Builds the PushBridge server: HTTP APIs and the WebSocket gateway on one port, plus its background services.
public enum PushBridgeApplication {
    /// - Parameters:
    ///   - operations: metrics, readiness and the admin API (see ``OperatorSurface``).
    ///   - onServerRunning: called with the bound port once the server listens (tests bind port 0).
    public static func build(
        configuration: ServerConfiguration,
        logger: Logger,
        operations: OperatorSurface = OperatorSurface(),
        store: (any EventStore)? = nil,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> (application: some ApplicationProtocol, runtime: PushBridgeRuntime) {
        let serverName = "PushBridge"
        // Before the data directory is opened: a bad credentials or tokens file stops the start untouched.
        let authentication = try InboundAuthentication.load(configuration, logger: logger)
        let tls = try configuration.tls.map { files throws(TLSFilesError) in try TLSContextSource(files: files) }
        let runtime = try PushBridgeRuntime(
            configuration: configuration,
            observer: operations.observer,
            ingestObserver: operations.ingestObserver,
            store: store,
            logger: logger
        )

        let eventsEndpoint = EventsAPIEndpoint(
            api: EventsAPI(runtime: runtime),
            metrics: operations.metrics,
            readiness: operations.readiness,
            logger: logger,
            authentication: authentication,
            putEventsRateLimiter: configuration.putEventsPerSecond > 0
                ? PutEventsRateLimiter(entriesPerSecond: configuration.putEventsPerSecond, burst: configuration.putEventsBurst) : nil
        )
        let router = Router(context: PushBridgeRequestContext.self)
        // First: its middleware (admin auth) applies only to routes added after it.
        operations.register(on: router, runtime: runtime, eventsEndpoint: eventsEndpoint)
        EventsAPIRoutes(endpoint: eventsEndpoint).register(on: router)
        ConnectionsAPIRoutes(runtime: runtime, authentication: authentication).register(on: router)
        WebAssetRoutes().register(on: router)

        let gateway = WebSocketGateway(
            runtime: runtime,
            metrics: operations.metrics,
            readiness: operations.readiness,
            logger: logger,
            writeQueues: EventLoopWriteQueues(maximumFrameSize: configuration.maximumFrameSize),
            connectRateLimiter: configuration.maximumConnectsPerSecond > 0
                ? ConnectRateLimiter(perSecond: configuration.maximumConnectsPerSecond) : nil
        )

        let admission = ConnectionAdmission(
            maximumConnections: configuration.maximumConnections,
            newConnectionsPerSecondPerAddress: configuration.newConnectionsPerSecondPerAddress,
            metrics: operations.metrics
        )
        let reaper = ConnectionReaper(
            registry: runtime.registry,
            idleTimeout: configuration.idleTimeout,
            maximumDuration: configuration.maximumConnectionDuration,
            interval: .seconds(5),
            logger: logger
        )
        let application = Application(
            router: router,
            server: HTTPServerBuilder { responder in
                GatewayChildChannel(
                    responder: responder,
                    gateway: gateway,
                    maximumFrameSize: configuration.maximumFrameSize,
                    eventsEndpoint: eventsEndpoint,
                    dates: HTTPDateCache(),
                    serverName: serverName,
                    admission: admission,
                    timeouts: .init(
                        header: configuration.headerTimeout,
                        body: configuration.bodyTimeout,
                        keepAlive: configuration.keepAliveTimeout
                    ),
                    tls: tls
                )
            },
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: serverName),
            services: [
                runtime.httpClient, runtime.workers, reaper,
                RuleScheduler(router: runtime.router, logger: logger) { [metrics = operations.metrics] in
                    metrics.scheduleFiring($1)
                },
                WebSocketShutdown(gateway: gateway),
            ] + jwksRefresher(runtime)
                + tlsReloader(tls, logger: logger),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
        return (application, runtime)
    }

    /// Reloads the certificate and key on SIGHUP; nothing without TLS.
    private static func tlsReloader(_ tls: TLSContextSource?, logger: Logger) -> [any Service] {
        guard let tls else { return [] }
        return [TLSReloadOnHangup(source: tls, logger: logger)]
    }

    /// Fetches a JWKS URL at start and every refresh interval; nothing for a file or without JWKS.
    private static func jwksRefresher(_ runtime: PushBridgeRuntime) -> [any Service] {
        guard let keys = runtime.authenticator?.jwks, keys.isRemote else { return [] }
        return [JWKSRefresher(keys: keys, interval: runtime.configuration.jwt.jwksRefreshInterval)]
    }
}
