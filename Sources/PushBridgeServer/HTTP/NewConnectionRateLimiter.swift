/// New connections per client address (`--max-new-connections-per-ip`): a ``KeyedRateLimiter`` refilled at
/// `ratePerSecond` up to `burst` per address. A pure state machine (times are passed in) so it is tested without
/// sockets; its table of addresses is bounded the way ``KeyedRateLimiter`` bounds it.
struct NewConnectionRateLimiter: Sendable {
    private var limiter: KeyedRateLimiter

    /// - Parameter ratePerSecond: 0 turns the limit off.
    init(ratePerSecond: Int, burst: Int, maximumTracked: Int = 100_000) {
        limiter = KeyedRateLimiter(ratePerSecond: ratePerSecond, burst: burst, maximumTracked: maximumTracked)
    }

    var trackedAddresses: Int { limiter.trackedKeys }

    /// Whether a new connection from `address` at `now` (a monotonic time) is allowed; takes a token if so.
    mutating func allow(_ address: String, now: Duration) -> Bool {
        limiter.take(upTo: 1, for: address, now: now.monotonicNanoseconds) == 1
    }
}

extension Duration {
    /// This duration since a monotonic origin, in nanoseconds; negative durations are 0 and the largest saturate.
    var monotonicNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return .max }
        let (total, overflowed) = whole.addingReportingOverflow(UInt64(max(0, attoseconds) / 1_000_000_000))
        return overflowed ? .max : total
    }
}
