/// Decides whether a token with an unknown `kid` may fetch the JWKS again: at most once per interval, so a stream of
/// made-up key ids cannot turn every connect into a request to the issuer. Pure: times are given.
public struct RefreshThrottle: Sendable, Equatable {
    public let minimumInterval: Duration
    private var lastRefresh: ContinuousClock.Instant?

    public init(minimumInterval: Duration) {
        self.minimumInterval = minimumInterval
    }

    /// Whether a refresh may start at `now`; if so, it is counted as started.
    public mutating func claim(at now: ContinuousClock.Instant) -> Bool {
        if let lastRefresh, now < lastRefresh + minimumInterval { return false }
        lastRefresh = now
        return true
    }
}
