import PushBridgeCore

/// New connections per client address: a token bucket per address, refilled at `ratePerSecond` up to `burst`.
/// A pure state machine (times are passed in) so it is tested without sockets.
///
/// The table is bounded: addresses whose bucket is full again carry no information and are forgotten, and past
/// `maximumTracked` addresses the ones idle the longest go first.
struct NewConnectionRateLimiter: Sendable {
    private struct Bucket: Sendable {
        var tokens: Double
        var updatedAt: Duration
    }

    let ratePerSecond: Double
    let burst: Double
    let maximumTracked: Int
    private var buckets: [String: Bucket] = [:]

    /// - Parameter ratePerSecond: 0 turns the limit off.
    init(ratePerSecond: Int, burst: Int, maximumTracked: Int = 100_000) {
        self.ratePerSecond = Double(max(0, ratePerSecond))
        self.burst = Double(max(1, burst))
        self.maximumTracked = max(1, maximumTracked)
    }

    var trackedAddresses: Int { buckets.count }

    /// Whether a new connection from `address` at `now` (a monotonic time) is allowed; takes a token if so.
    mutating func allow(_ address: String, now: Duration) -> Bool {
        guard ratePerSecond > 0 else { return true }
        var bucket = buckets[address] ?? Bucket(tokens: burst, updatedAt: now)
        let elapsed = max(0, Double((now - bucket.updatedAt).wholeMilliseconds) / 1000)
        bucket.tokens = min(burst, bucket.tokens + elapsed * ratePerSecond)
        bucket.updatedAt = now
        guard bucket.tokens >= 1 else {
            buckets[address] = bucket
            return false
        }
        bucket.tokens -= 1
        buckets[address] = bucket
        if buckets.count > maximumTracked { forgetIdle(now: now) }
        return true
    }

    /// Drops the buckets that are full again; if that is not enough, the half idle the longest.
    private mutating func forgetIdle(now: Duration) {
        buckets = buckets.filter { _, bucket in
            bucket.tokens + max(0, Double((now - bucket.updatedAt).wholeMilliseconds) / 1000) * ratePerSecond < burst
        }
        guard buckets.count > maximumTracked else { return }
        let keep = buckets.sorted { $0.value.updatedAt > $1.value.updatedAt }.prefix(maximumTracked / 2)
        buckets = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
    }
}
