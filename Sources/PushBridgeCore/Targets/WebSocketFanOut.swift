import Logging
import NIOCore
import Synchronization

/// The built-in WebSocket target: pushes a message to every connection subscribed to its routing key, or, for a
/// `users/*` target, to every connection of the user it names.
///
/// The message is encoded once and the same buffer is queued on every subscriber. Queuing never waits; a
/// subscriber whose buffer is full is closed as a slow consumer and counted, and the others are not held
/// back, failed, retried or sent duplicates because of it.
public struct WebSocketFanOut: TargetDeliverer {
    public let registry: ConnectionRegistry
    public let statistics: FanOutStatistics
    public let audience: WebSocketAudience
    /// Cluster mode: the other nodes, told every message before this node pushes it to its own subscribers.
    public let relay: (any FanOutRelay)?
    public var maximumConcurrency: Int { 1 }

    public init(
        registry: ConnectionRegistry,
        statistics: FanOutStatistics,
        audience: WebSocketAudience = .entitySubscribers,
        relay: (any FanOutRelay)? = nil
    ) {
        self.registry = registry
        self.statistics = statistics
        self.audience = audience
        self.relay = relay
    }

    public func deliver(_ message: DeliveryMessage) async -> DeliveryOutcome {
        deliverNow(message)
    }

    /// Fan-out never waits: the queue lets the producer deliver at once when nothing is queued ahead, which saves
    /// each event a wake-up of the queue's worker and a hop back to the sockets' event loop.
    public func deliverAtOnce(_ message: DeliveryMessage) -> DeliveryOutcome? {
        deliverNow(message)
    }

    private func deliverNow(_ message: DeliveryMessage) -> DeliveryOutcome {
        guard let key = message.routingKey else {
            return .failed(.invalidParameter("The event has no subscription key at the target's path parameter."))
        }
        if let relay {
            let input: String
            switch message.deliverableInput {
            case .success(let text): input = text
            case .failure(let failure): return .failed(failure)
            }
            relay.relay(audience: audience, key: key, frame: input)
            Self.push(ByteBuffer(string: input), to: key, audience: audience, registry: registry, statistics: statistics)
            return .delivered
        }
        let subscribers =
            switch audience {
            case .entitySubscribers: registry.subscribers(of: key)
            case .userConnections: registry.connections(ofUser: key)
            }
        guard !subscribers.isEmpty else { return .delivered }
        let input: String
        switch message.deliverableInput {
        case .success(let text): input = text
        case .failure(let failure): return .failed(failure)
        }
        Self.push(ByteBuffer(string: input), to: subscribers, statistics: statistics)
        return .delivered
    }

    /// Queues `frame` on this process's connections of `key` (a message relayed by another node); nothing is
    /// done per socket when there are none.
    public static func push(
        _ frame: ByteBuffer,
        to key: String,
        audience: WebSocketAudience,
        registry: ConnectionRegistry,
        statistics: FanOutStatistics
    ) {
        let subscribers =
            switch audience {
            case .entitySubscribers: registry.subscribers(of: key)
            case .userConnections: registry.connections(ofUser: key)
            }
        guard !subscribers.isEmpty else { return }
        push(frame, to: subscribers, statistics: statistics)
    }

    private static func push(_ frame: ByteBuffer, to subscribers: [ConnectionRegistry.Subscriber], statistics: FanOutStatistics) {
        var pushed = 0
        var gone = 0
        // By index: only the sink is read, so each subscriber's connection id is not copied (retained) as well.
        for index in subscribers.indices {
            let sink = subscribers[index].sink
            switch sink.send(text: frame) {
            case .queued: pushed += 1
            case .bufferFull:
                statistics.slowConsumerClosed()
                sink.close(code: CloseCode.policyViolation, reason: "slow consumer: outbound buffer full")
            case .closed: gone += 1
            }
        }
        statistics.pushed(pushed)
        statistics.goneSkipped(gone)
    }
}

/// Counts what fan-out did, for metrics and tests. Atomics, added to once per fan-out, so counting adds no lock
/// and no per-subscriber work to the fan-out path.
public final class FanOutStatistics: Sendable {
    private let pushedTotal = Atomic<Int>(0)
    private let slowTotal = Atomic<Int>(0)
    private let goneTotal = Atomic<Int>(0)

    public init() {}

    func pushed(_ count: Int) { if count > 0 { pushedTotal.add(count, ordering: .relaxed) } }
    public func slowConsumerClosed() { slowTotal.add(1, ordering: .relaxed) }
    func goneSkipped(_ count: Int) { if count > 0 { goneTotal.add(count, ordering: .relaxed) } }

    public var pushedCount: Int { pushedTotal.load(ordering: .relaxed) }
    public var slowConsumersClosed: Int { slowTotal.load(ordering: .relaxed) }
    public var goneSkippedCount: Int { goneTotal.load(ordering: .relaxed) }
}
