import Logging
import PushBridgeCore
import ServiceLifecycle

/// The first step of a graceful shutdown: stop taking work (`/readyz` 503, new sockets and PutEvents refused),
/// then let the delivery workers finish what is ready or in flight, and attempt the retries that fall due, up to
/// `grace`. Messages still queued after that (a retry due later, or not reached in time) are reported per
/// target: with a data directory they are kept and delivered after the next start; in memory they are lost.
///
/// Run it in a service group after the application, so graceful shutdown reaches it first and the
/// application (whose ``WebSocketShutdown`` closes sockets with 1001) only stops once it returns.
public struct ShutdownDrain: Service {
    let runtime: PushBridgeRuntime
    let readiness: Readiness
    let grace: Duration
    let logger: Logger

    public init(runtime: PushBridgeRuntime, readiness: Readiness, grace: Duration, logger: Logger) {
        self.runtime = runtime
        self.readiness = readiness
        self.grace = grace
        self.logger = logger
    }

    public func run() async throws {
        // Returns on graceful shutdown; throws only if cancelled, in which case there is nothing to drain.
        do { try await gracefulShutdown() } catch { return }
        readiness.startDraining()
        logger.notice("Shutting down: no new sockets or events; letting deliveries finish", metadata: ["pb.grace": "\(grace)"])
        let clock = ContinuousClock()
        let deadline = clock.now + grace
        let interval = Duration.milliseconds(50)
        // Bounded in time (the deadline) and in count (grace / interval polls).
        for _ in 0...Int(grace / interval) {
            let now = clock.now
            if now >= deadline { break }
            let retriesUntil = runtime.router.clock.now() + (deadline - now)
            if Self.busy(runtime.router.queues(), retriesDueBy: retriesUntil).isEmpty { break }
            try? await Task.sleep(for: interval)
        }
        report()
    }

    /// Queues that still have ready or in-flight messages, or a retry due by `retriesDueBy` (the end of the
    /// grace period): those are attempted, not abandoned because they were waiting when the signal came.
    static func busy(_ queues: [DeliveryQueue], retriesDueBy: Timestamp) -> [QueueSnapshot] {
        queues.map(\.snapshot).filter { snapshot in
            snapshot.ready > 0 || snapshot.inFlight > 0 || snapshot.nextRetryAt.map { $0 <= retriesDueBy } == true
        }
    }

    /// Logs what each target still holds; one line per target that holds anything.
    func report() {
        let left = runtime.router.queues().map(\.snapshot).filter { $0.depth > 0 }
        if left.isEmpty {
            logger.notice("Drained: no message left in any queue", metadata: ["pb.dlq.depth": "\(runtime.deadLetters.count)"])
            return
        }
        let kept = runtime.router.store.isDurable
        for snapshot in left {
            logger.log(
                level: kept ? .notice : .warning,
                kept ? "Still queued at shutdown; kept in the data directory for the next start" : "Still queued at shutdown; not kept (--in-memory)",
                metadata: [
                    "pb.target": "\(snapshot.target)", "pb.depth": "\(snapshot.depth)", "pb.ready": "\(snapshot.ready)",
                    "pb.in_flight": "\(snapshot.inFlight)", "pb.waiting_retry": "\(snapshot.waitingForRetry)",
                ]
            )
        }
    }
}
