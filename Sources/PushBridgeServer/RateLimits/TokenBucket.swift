/// A token bucket: at most `burst` tokens, refilled at `ratePerSecond`, one token per thing allowed.
///
/// Pure and cheap: times are monotonic nanoseconds passed in, nothing allocates, and no arithmetic can trap (the
/// counts are clamped on the way in, tokens are a `Double`, and a clock that steps back refills nothing).
struct TokenBucket: Sendable {
    /// Larger rates and bursts are clamped to this; the flags that set them stop far below.
    static let largest = 1_000_000_000

    let ratePerSecond: Double
    let capacity: Double
    private(set) var tokens: Double
    private var updatedAt: UInt64

    /// Starts full.
    init(ratePerSecond: Int, burst: Int, now: UInt64) {
        self.ratePerSecond = Double(min(max(ratePerSecond, 1), Self.largest))
        self.capacity = Double(min(max(burst, 1), Self.largest))
        self.tokens = capacity
        self.updatedAt = now
    }

    /// Takes up to `count` tokens at `now` and returns how many it took: fewer than asked when the bucket runs dry.
    mutating func take(upTo count: Int, now: UInt64) -> Int {
        refill(now: now)
        // `tokens` is within 0...capacity, so the conversion cannot trap.
        let granted = min(max(count, 0), Int(tokens))
        tokens -= Double(granted)
        return granted
    }

    /// Takes one token at `now` if there is one.
    mutating func take(now: UInt64) -> Bool {
        refill(now: now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Whether the bucket is full again at `now`: it then holds nothing a fresh bucket would not.
    func isFull(at now: UInt64) -> Bool {
        tokens + refillSince(now) >= capacity
    }

    /// When the bucket was last used.
    var lastUsed: UInt64 { updatedAt }

    private mutating func refill(now: UInt64) {
        tokens = min(capacity, tokens + refillSince(now))
        if now > updatedAt { updatedAt = now }
    }

    private func refillSince(_ now: UInt64) -> Double {
        guard now > updatedAt else { return 0 }
        return Double(now - updatedAt) / 1e9 * ratePerSecond
    }
}
