import Logging
import PushBridgeCore
import ServiceLifecycle

/// Closes every socket with 1001 when the application shuts down gracefully. Sockets are served by channel
/// handlers, not by tasks the server would wait for, so without this they would simply be cut.
struct WebSocketShutdown: Service {
    let gateway: WebSocketGateway

    func run() async throws {
        // Returns on graceful shutdown; throws only if cancelled, when there is nobody left to tell.
        do { try await gracefulShutdown() } catch { return }
        let (closed, stillOpen) = await gateway.runtime.registry.closeAll(
            code: CloseCode.goingAway,
            reason: "Going away: server shutting down"
        )
        guard closed > 0 else { return }
        gateway.logger.notice("Closed sockets with 1001", metadata: ["pb.sockets": "\(closed)", "pb.still_open": "\(stillOpen)"])
    }
}
