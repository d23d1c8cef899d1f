import NIOCore
import Synchronization

/// PutEvents entries per second per caller (`--put-events-rate`, `--put-events-burst`), as EventBridge's PutEvents
/// quota counts entries: a ``KeyedRateLimiter`` behind a Mutex held once per request, for a few arithmetic
/// operations (and, rarely, the forgetting of idle callers).
final class PutEventsRateLimiter: Sendable {
    /// Who a PutEvents comes from, as far as the server can tell.
    enum Caller: Sendable, Hashable {
        /// The access key id of a verified SigV4 signature.
        case accessKey(String)
        /// Which token of `--ingest-tokens-file` a request to `/events` carried.
        case ingestToken(index: Int)
        /// Unauthenticated requests, by client address.
        case address(String)

        var key: String {
            switch self {
            case .accessKey(let id): "k:" + id
            case .ingestToken(let index): "t:" + String(index)
            case .address(let address): "a:" + address
            }
        }
    }

    private let limiter: Mutex<KeyedRateLimiter>
    private let clock: @Sendable () -> UInt64
    let isOff: Bool

    /// - Parameters:
    ///   - entriesPerSecond: 0 turns the limit off.
    ///   - clock: monotonic nanoseconds (tests move it).
    init(
        entriesPerSecond: Int,
        burst: Int,
        maximumTracked: Int = 100_000,
        clock: @escaping @Sendable () -> UInt64 = { NIODeadline.now().uptimeNanoseconds }
    ) {
        let limiter = KeyedRateLimiter(ratePerSecond: entriesPerSecond, burst: burst, maximumTracked: maximumTracked)
        self.isOff = limiter.isOff
        self.limiter = Mutex(limiter)
        self.clock = clock
    }

    /// How many of `count` entries from `caller` may go through now, the first ones in order; takes their tokens.
    func admit(_ count: Int, from caller: Caller) -> Int {
        guard !isOff else { return count }
        let now = clock()
        let key = caller.key
        return limiter.withLock { $0.take(upTo: count, for: key, now: now) }
    }
}
