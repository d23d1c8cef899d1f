import NIOCore
import Synchronization

/// Decides, as each TCP connection is accepted, whether PushBridge serves it: at most `maximumConnections`
/// open at once (HTTP and WebSocket together), and at most a few new ones per second from one address.
final class ConnectionAdmission: Sendable {
    enum Decision: Sendable, Equatable {
        case admitted
        /// `--max-connections` reached: HTTP gets 503, an upgrade is refused with 503.
        case overCapacity
        /// Too many new connections from this address: 429.
        case rateLimited
    }

    let maximumConnections: Int
    private let open = Atomic<Int>(0)
    private let limiter: Mutex<NewConnectionRateLimiter>
    private let started = ContinuousClock.now
    /// Counts the connections refused by the per-address rate.
    private let metrics: PushBridgeMetrics?

    init(maximumConnections: Int, newConnectionsPerSecondPerAddress: Int, metrics: PushBridgeMetrics? = nil) {
        self.maximumConnections = maximumConnections
        self.metrics = metrics
        self.limiter = Mutex(
            NewConnectionRateLimiter(ratePerSecond: newConnectionsPerSecondPerAddress, burst: newConnectionsPerSecondPerAddress)
        )
    }

    var openConnections: Int { open.load(ordering: .relaxed) }

    /// Counts `channel` as open until it closes, if it may be served.
    func admit(_ channel: any Channel) -> Decision {
        let address = channel.remoteAddress?.ipAddress ?? ""
        let now = ContinuousClock.now - started
        guard limiter.withLock({ $0.allow(address, now: now) }) else {
            metrics?.rateLimited(.connectPerAddress)
            return .rateLimited
        }
        let count = open.wrappingAdd(1, ordering: .relaxed).newValue
        guard count <= maximumConnections else {
            open.wrappingSubtract(1, ordering: .relaxed)
            return .overCapacity
        }
        channel.closeFuture.whenComplete { _ in self.open.wrappingSubtract(1, ordering: .relaxed) }
        return .admitted
    }
}
