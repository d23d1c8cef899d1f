import NIOCore
import Synchronization

/// New WebSocket connections per second across the whole server (`--max-connect-rate`), as API Gateway limits
/// new connections per account: one ``TokenBucket`` whose burst is one second's worth. Checked once per upgrade
/// request, before its token is verified; a Mutex held for a few arithmetic operations.
final class ConnectRateLimiter: Sendable {
    private let bucket: Mutex<TokenBucket>
    private let isOff: Bool
    private let clock: @Sendable () -> UInt64

    /// - Parameters:
    ///   - perSecond: 0 turns the limit off.
    ///   - clock: monotonic nanoseconds (tests move it).
    init(perSecond: Int, clock: @escaping @Sendable () -> UInt64 = { NIODeadline.now().uptimeNanoseconds }) {
        self.clock = clock
        isOff = perSecond <= 0
        bucket = Mutex(TokenBucket(ratePerSecond: perSecond, burst: perSecond, now: clock()))
    }

    /// Whether one more connection may be made now; takes its token if so.
    func allow() -> Bool {
        guard !isOff else { return true }
        let now = clock()
        return bucket.withLock { $0.take(now: now) }
    }
}
