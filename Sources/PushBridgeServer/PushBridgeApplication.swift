import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import PushBridgeCore
import ServiceLifecycle

/// Builds the PushBridge server: HTTP APIs and the WebSocket gateway on one port, plus its background services.
public enum PushBridgeApplication {
    /// - Parameters:
    ///   - onServerRunning: called with the bound port once the server listens (tests bind port 0).
    public static func build(
        configuration: ServerConfiguration,
        logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> (application: some ApplicationProtocol, runtime: PushBridgeRuntime) {
        let runtime = try PushBridgeRuntime(configuration: configuration, logger: logger)

        let router = Router(context: PushBridgeRequestContext.self)
        EventsAPIRoutes(api: EventsAPI(runtime: runtime), runtime: runtime).register(on: router)
        ConnectionsAPIRoutes(runtime: runtime).register(on: router)

        let webSocketRouter = Router(context: PushBridgeRequestContext.self)
        WebSocketGateway(runtime: runtime).register(on: webSocketRouter)

        let reaper = ConnectionReaper(
            registry: runtime.registry,
            idleTimeout: configuration.idleTimeout,
            maximumDuration: configuration.maximumConnectionDuration,
            interval: .seconds(5),
            logger: logger
        )
        let application = Application(
            router: router,
            server: .http1WebSocketUpgrade(
                webSocketRouter: webSocketRouter,
                configuration: .init(
                    ws: .init(
                        maxFrameSize: configuration.maximumFrameSize,
                        autoPing: .disabled,
                        closeTimeout: .seconds(5)
                    )
                )
            ),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "PushBridge"),
            services: [runtime.httpClient, runtime.workers, reaper],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger
        )
        return (application, runtime)
    }
}
