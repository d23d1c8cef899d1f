/// EventBridge's per-target RetryPolicy, plus the backoff PushBridge uses between attempts.
public struct RetryPolicy: Sendable, Equatable, Codable {
    public static let retryAttemptsRange = 0...185
    public static let eventAgeRange = 60...86_400

    /// Retries after the first attempt (EventBridge's MaximumRetryAttempts, 0–185, default 185).
    public var maximumRetryAttempts: Int
    /// How long an event may keep being retried (MaximumEventAgeInSeconds, 60–86400, default 86400).
    public var maximumEventAgeSeconds: Int
    /// Backoff before retry n is a random delay in 0...min(maximumDelay, baseDelay × 2ⁿ) ("full jitter").
    public var baseDelay: Duration
    public var maximumDelay: Duration

    public init(
        maximumRetryAttempts: Int = 185,
        maximumEventAgeSeconds: Int = 86_400,
        baseDelay: Duration = .seconds(1),
        maximumDelay: Duration = .seconds(300)
    ) {
        self.maximumRetryAttempts = maximumRetryAttempts
        self.maximumEventAgeSeconds = maximumEventAgeSeconds
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
    }

    public static let `default` = RetryPolicy()

    /// Which limit ended the retries, in the words of the DLQ attribute `EXHAUSTED_RETRY_CONDITION`.
    public enum ExhaustedCondition: String, Sendable, Codable {
        case maximumRetryAttempts = "MaximumRetryAttempts"
        case maximumEventAge = "MaximumEventAgeInSeconds"
    }

    public enum Decision: Sendable, Equatable {
        case retry(at: Timestamp)
        case exhausted(ExhaustedCondition)
    }

    /// Decides what happens after a retryable failure.
    /// - Parameters:
    ///   - retriesSoFar: retries already made (0 after the first attempt failed).
    ///   - ingestedAt: when the event was accepted; the age limit counts from there.
    ///   - notBefore: a time the target asked us to wait for (`Retry-After`), if any.
    public func decide<R: RandomNumberGenerator>(
        retriesSoFar: Int,
        ingestedAt: Timestamp,
        now: Timestamp,
        notBefore: Timestamp? = nil,
        using random: inout R
    ) -> Decision {
        if retriesSoFar >= maximumRetryAttempts { return .exhausted(.maximumRetryAttempts) }
        let ceiling = backoffCeiling(retry: retriesSoFar)
        let delay = ceiling > 0 ? Int64.random(in: 0...ceiling, using: &random) : 0
        var due = Timestamp(milliseconds: now.milliseconds + delay)
        if let notBefore, notBefore > due { due = notBefore }
        let deadline = Timestamp(milliseconds: ingestedAt.milliseconds + Int64(maximumEventAgeSeconds) * 1000)
        if due > deadline { return .exhausted(.maximumEventAge) }
        return .retry(at: due)
    }

    /// The upper bound of the random delay before retry `retry` (0-based), in milliseconds.
    public func backoffCeiling(retry: Int) -> Int64 {
        let base = baseDelay.wholeMilliseconds
        let cap = maximumDelay.wholeMilliseconds
        guard base > 0 else { return 0 }
        guard retry < 62 else { return cap }
        let (scaled, overflow) = base.multipliedReportingOverflow(by: Int64(1) << Int64(retry))
        return overflow ? cap : min(cap, scaled)
    }
}
