import Logging
import PushBridgeCore
import ServiceLifecycle

/// Closes connections that were idle too long or lived past the maximum duration, as API Gateway does.
///
/// One sweep over all connections every few seconds costs far less memory than a timer per connection.
struct ConnectionReaper: Service {
    let registry: ConnectionRegistry
    let idleTimeout: Duration
    let maximumDuration: Duration
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            // A shutdown must not wait for the next sweep.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
            sweep(now: .now())
        }
    }

    func sweep(now: Timestamp) {
        let idleCutoff = Timestamp(milliseconds: now.milliseconds - idleTimeout.wholeMilliseconds)
        let ageCutoff = Timestamp(milliseconds: now.milliseconds - maximumDuration.wholeMilliseconds)
        for (record, sink, idle) in registry.expired(idleBefore: idleCutoff, connectedBefore: ageCutoff) {
            logger.debug(
                "Closing connection",
                metadata: ["pb.connection.id": "\(record.connectionId)", "pb.reason": "\(idle ? "idle" : "max duration")"]
            )
            sink.close(code: CloseCode.goingAway, reason: idle ? "Going away: idle timeout" : "Going away: maximum connection duration reached")
        }
    }
}
