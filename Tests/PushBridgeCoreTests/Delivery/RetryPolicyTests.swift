import PushBridgeCore
import TestSupport
import Testing

@Suite("RetryPolicy")
struct RetryPolicyTests {
    @Test("Defaults are EventBridge's: 185 retries, 24 hours")
    func defaults() {
        let policy = RetryPolicy.default
        #expect(policy.maximumRetryAttempts == 185)
        #expect(policy.maximumEventAgeSeconds == 86_400)
        #expect(RetryPolicy.retryAttemptsRange == 0...185)
        #expect(RetryPolicy.eventAgeRange == 60...86_400)
    }

    @Test("The backoff ceiling doubles from the base and stops at the cap")
    func ceilingGrowth() {
        let policy = RetryPolicy(baseDelay: .seconds(1), maximumDelay: .seconds(300))
        #expect(policy.backoffCeiling(retry: 0) == 1000)
        #expect(policy.backoffCeiling(retry: 1) == 2000)
        #expect(policy.backoffCeiling(retry: 2) == 4000)
        #expect(policy.backoffCeiling(retry: 8) == 256_000)
        #expect(policy.backoffCeiling(retry: 9) == 300_000)
        #expect(policy.backoffCeiling(retry: 184) == 300_000)
    }

    @Test("The ceiling never overflows", arguments: [61, 62, 63, 64, 100, 1_000, Int.max])
    func ceilingOverflow(retry: Int) {
        let policy = RetryPolicy(baseDelay: .seconds(1), maximumDelay: .seconds(300))
        #expect(policy.backoffCeiling(retry: retry) == 300_000)
        let huge = RetryPolicy(baseDelay: .milliseconds(Int64(1) << 40), maximumDelay: .milliseconds(Int64.max))
        #expect(huge.backoffCeiling(retry: retry) == Int64.max)
    }

    @Test("A multiplication that overflows gives the cap")
    func multiplicationOverflow() {
        let policy = RetryPolicy(baseDelay: .milliseconds(Int64(1) << 40), maximumDelay: .milliseconds(Int64.max))
        #expect(policy.backoffCeiling(retry: 22) == Int64(1) << 62)
        #expect(policy.backoffCeiling(retry: 23) == Int64.max)
        #expect(policy.backoffCeiling(retry: 30) == Int64.max)
    }

    @Test("A zero base delay means no backoff")
    func zeroBase() {
        let policy = RetryPolicy(baseDelay: .zero, maximumDelay: .seconds(300))
        #expect(policy.backoffCeiling(retry: 0) == 0)
        #expect(policy.backoffCeiling(retry: 10) == 0)
        var random = SplitMix(seed: 1)
        #expect(policy.decide(retriesSoFar: 3, ingestedAt: t0, now: t0, using: &random) == .retry(at: t0))
    }

    @Test("decide: the delay is drawn in 0...ceiling (full jitter)")
    func fullJitter() {
        let policy = RetryPolicy(baseDelay: .seconds(1), maximumDelay: .seconds(300))
        for retry in [0, 3, 12] {
            let ceiling = policy.backoffCeiling(retry: retry)
            var delays: Set<Int64> = []
            for seed in UInt64(0)..<300 {
                var random = SplitMix(seed: seed)
                guard case .retry(let at) = policy.decide(retriesSoFar: retry, ingestedAt: t0, now: t0, using: &random) else {
                    Issue.record("expected a retry")
                    continue
                }
                let delay = at.milliseconds - t0.milliseconds
                #expect((0...ceiling).contains(delay))
                delays.insert(delay)
            }
            // Jitter spreads the delays over the whole range.
            #expect(delays.count > 200)
            #expect(delays.contains { $0 < ceiling / 10 })
            #expect(delays.contains { $0 > ceiling - ceiling / 10 })
        }
    }

    @Test("decide is reproducible with the same seed")
    func reproducible() {
        let policy = RetryPolicy()
        var a = SplitMix(seed: 42)
        var b = SplitMix(seed: 42)
        #expect(
            policy.decide(retriesSoFar: 5, ingestedAt: t0, now: t0, using: &a) == policy.decide(retriesSoFar: 5, ingestedAt: t0, now: t0, using: &b)
        )
    }

    @Test("decide: MaximumRetryAttempts counts retries after the first attempt")
    func retryAttempts() {
        let policy = RetryPolicy(maximumRetryAttempts: 2)
        var random = SplitMix(seed: 7)
        #expect(policy.decide(retriesSoFar: 0, ingestedAt: t0, now: t0, using: &random) != .exhausted(.maximumRetryAttempts))
        #expect(policy.decide(retriesSoFar: 1, ingestedAt: t0, now: t0, using: &random) != .exhausted(.maximumRetryAttempts))
        #expect(policy.decide(retriesSoFar: 2, ingestedAt: t0, now: t0, using: &random) == .exhausted(.maximumRetryAttempts))
        let none = RetryPolicy(maximumRetryAttempts: 0)
        #expect(none.decide(retriesSoFar: 0, ingestedAt: t0, now: t0, using: &random) == .exhausted(.maximumRetryAttempts))
    }

    @Test("decide: a retry due after the age limit is exhausted by MaximumEventAgeInSeconds")
    func eventAge() {
        let policy = RetryPolicy(maximumEventAgeSeconds: 60, baseDelay: .milliseconds(1), maximumDelay: .milliseconds(1))
        var random = SplitMix(seed: 3)
        let deadline = t0.adding(seconds: 60)
        #expect(policy.decide(retriesSoFar: 0, ingestedAt: t0, now: deadline.adding(milliseconds: 1), using: &random) == .exhausted(.maximumEventAge))
        // Due exactly at the deadline is still a retry.
        #expect(
            policy.decide(retriesSoFar: 0, ingestedAt: t0, now: t0.adding(seconds: 59), notBefore: deadline, using: &random) == .retry(at: deadline)
        )
        #expect(
            policy.decide(retriesSoFar: 0, ingestedAt: t0, now: t0.adding(seconds: 59), notBefore: deadline.adding(milliseconds: 1), using: &random)
                == .exhausted(.maximumEventAge)
        )
        // The retry-count limit is checked first.
        let both = RetryPolicy(maximumRetryAttempts: 0, maximumEventAgeSeconds: 60)
        #expect(both.decide(retriesSoFar: 0, ingestedAt: t0, now: t0.adding(seconds: 3600), using: &random) == .exhausted(.maximumRetryAttempts))
    }

    @Test("decide: Retry-After later than the backoff wins; earlier is ignored")
    func retryAfter() {
        let policy = RetryPolicy(baseDelay: .seconds(1), maximumDelay: .seconds(1))
        var random = SplitMix(seed: 9)
        let later = t0.adding(seconds: 120)
        #expect(policy.decide(retriesSoFar: 0, ingestedAt: t0, now: t0, notBefore: later, using: &random) == .retry(at: later))
        guard case .retry(let at) = policy.decide(retriesSoFar: 0, ingestedAt: t0, now: t0, notBefore: t0.adding(seconds: -10), using: &random)
        else {
            Issue.record("expected a retry")
            return
        }
        #expect(at >= t0 && at <= t0.adding(seconds: 1))
    }

    @Test("ExhaustedCondition raw values are the DLQ attribute values")
    func conditionNames() {
        #expect(RetryPolicy.ExhaustedCondition.maximumRetryAttempts.rawValue == "MaximumRetryAttempts")
        #expect(RetryPolicy.ExhaustedCondition.maximumEventAge.rawValue == "MaximumEventAgeInSeconds")
    }
}
