/// Frames one WebSocket connection may send (`--max-frames-per-second`, `--frames-burst`), with a guard against a
/// client that ignores being throttled.
///
/// A frame over the rate is throttled: not processed, answered as API Gateway answers a throttled message, and the
/// socket stays open. A client that sends more than ``floodFactor`` times its burst of throttled frames within
/// one second is not listening to those answers and is closed (1008).
///
/// Lives in the connection's handler and runs on its event loop for every data frame and ping: no lock, no
/// allocation, a few arithmetic operations.
struct FrameRateLimiter: Sendable {
    enum Verdict: Sendable, Equatable {
        case accept
        case throttle
        /// Far over the limit: close the connection.
        case close
    }

    static let floodFactor = 10
    private static let second: UInt64 = 1_000_000_000

    /// nil when the limit is off.
    private var bucket: TokenBucket?
    /// Throttled frames beyond which, within one second, the connection is closed.
    let floodLimit: Int
    private var throttledInWindow = 0
    private var windowStart: UInt64 = 0

    /// - Parameter framesPerSecond: 0 turns the limit off.
    init(framesPerSecond: Int, burst: Int, now: UInt64) {
        bucket = framesPerSecond > 0 ? TokenBucket(ratePerSecond: framesPerSecond, burst: burst, now: now) : nil
        floodLimit = Self.floodFactor * min(max(burst, 1), TokenBucket.largest)
    }

    static let off = FrameRateLimiter(framesPerSecond: 0, burst: 1, now: 0)

    /// Counts one frame arriving at `now` (monotonic nanoseconds).
    mutating func admit(now: UInt64) -> Verdict {
        guard let taken = bucket?.take(now: now), !taken else { return .accept }
        if now < windowStart || now - windowStart >= Self.second {
            windowStart = now
            throttledInWindow = 0
        }
        throttledInWindow += 1
        return throttledInWindow > floodLimit ? .close : .throttle
    }
}
