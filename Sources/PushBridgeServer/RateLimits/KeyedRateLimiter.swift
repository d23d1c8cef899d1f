/// A ``TokenBucket`` per key (a client address, an access key id), created full on first use.
///
/// The table is bounded: keys whose bucket is full again carry no information and are forgotten, and past
/// `maximumTracked` keys the ones idle the longest go first. A forgotten key starts again with a full bucket,
/// which only ever errs towards letting a client through.
struct KeyedRateLimiter: Sendable {
    let ratePerSecond: Int
    let burst: Int
    let maximumTracked: Int
    private var buckets: [String: TokenBucket] = [:]

    /// - Parameter ratePerSecond: 0 turns the limit off.
    init(ratePerSecond: Int, burst: Int, maximumTracked: Int = 100_000) {
        self.ratePerSecond = max(0, ratePerSecond)
        self.burst = max(1, burst)
        self.maximumTracked = max(1, maximumTracked)
    }

    var isOff: Bool { ratePerSecond == 0 }

    var trackedKeys: Int { buckets.count }

    /// Takes up to `count` tokens from `key`'s bucket at `now` (monotonic nanoseconds); returns how many it took.
    mutating func take(upTo count: Int, for key: String, now: UInt64) -> Int {
        guard !isOff else { return max(0, count) }
        let granted = buckets[key, default: TokenBucket(ratePerSecond: ratePerSecond, burst: burst, now: now)].take(upTo: count, now: now)
        if buckets.count > maximumTracked { forgetIdle(now: now) }
        return granted
    }

    /// Drops the buckets that are full again; if that is not enough, keeps the half used most recently.
    private mutating func forgetIdle(now: UInt64) {
        buckets = buckets.filter { !$0.value.isFull(at: now) }
        guard buckets.count > maximumTracked else { return }
        let kept = buckets.sorted { $0.value.lastUsed > $1.value.lastUsed }.prefix(maximumTracked / 2)
        buckets = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
    }
}
