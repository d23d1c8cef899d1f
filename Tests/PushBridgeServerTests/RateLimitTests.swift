import PushBridgeCore
import Synchronization
import Testing

@testable import PushBridgeServer

/// The rate limiters as pure state, with time passed in: no sockets, no sleeps.
@Suite struct RateLimitTests {
    static let millisecond: UInt64 = 1_000_000
    static let second: UInt64 = 1_000_000_000

    @Test func aBucketGivesItsBurstThenItsRateAndNeverMoreThanItHolds() {
        var bucket = TokenBucket(ratePerSecond: 10, burst: 5, now: 0)
        let burst = bucket.take(upTo: 8, now: 0)
        #expect(burst == 5)
        let empty = bucket.take(now: 0)
        #expect(!empty)
        let halfRefilled = bucket.take(now: 50 * Self.millisecond)
        #expect(!halfRefilled, "half a token after 50 ms")
        let refilled = bucket.take(now: 150 * Self.millisecond)
        #expect(refilled)
        // An hour idle refills to the burst, not beyond.
        let afterAnHour = bucket.take(upTo: 100, now: 3600 * Self.second)
        #expect(afterAnHour == 5)
    }

    @Test func aClockThatStepsBackRefillsNothingAndOddCountsAreHarmless() {
        var bucket = TokenBucket(ratePerSecond: 1, burst: 2, now: 10 * Self.second)
        let burst = bucket.take(upTo: 2, now: 10 * Self.second)
        #expect(burst == 2)
        let steppedBack = bucket.take(upTo: 1, now: 0)
        #expect(steppedBack == 0)
        let aSecondLater = bucket.take(upTo: 1, now: 11 * Self.second)
        #expect(aSecondLater == 1)
        let negative = bucket.take(upTo: -3, now: .max)
        #expect(negative == 0)
        let atTheEndOfTime = bucket.take(upTo: .max, now: .max)
        #expect(atTheEndOfTime == 2)
    }

    @Test func outsideRatesAndBurstsAreClampedInsteadOfTrapping() {
        var huge = TokenBucket(ratePerSecond: .max, burst: .max, now: 0)
        let hugeBurst = huge.take(upTo: .max, now: .max)
        #expect(hugeBurst == TokenBucket.largest)
        var tiny = TokenBucket(ratePerSecond: .min, burst: .min, now: 0)
        let tinyBurst = tiny.take(upTo: 5, now: 0)
        #expect(tinyBurst == 1)
    }

    @Test func keysHaveTheirOwnBucketsAndTheTableStaysBounded() {
        var limiter = KeyedRateLimiter(ratePerSecond: 1, burst: 4, maximumTracked: 100)
        let first = limiter.take(upTo: 10, for: "a", now: 0)
        let other = limiter.take(upTo: 10, for: "b", now: 0)
        let refilled = limiter.take(upTo: 10, for: "a", now: Self.second)
        #expect([first, other, refilled] == [4, 4, 1])
        for index in 0..<10_000 {
            _ = limiter.take(upTo: 1, for: "key-\(index)", now: UInt64(index) * Self.millisecond)
        }
        #expect(limiter.trackedKeys <= 100)
    }

    @Test func aBucketFullAgainIsForgottenFirstAndABusyOneIsKept() {
        var limiter = KeyedRateLimiter(ratePerSecond: 1, burst: 2, maximumTracked: 2)
        let old = limiter.take(upTo: 2, for: "old", now: 0)
        let busy = limiter.take(upTo: 2, for: "busy", now: 5 * Self.second)
        // A third key: "old" is full again by now and goes; "busy" is kept with its empty bucket.
        let new = limiter.take(upTo: 1, for: "new", now: 5 * Self.second)
        #expect([old, busy, new] == [2, 2, 1])
        #expect(limiter.trackedKeys == 2)
        let busyAgain = limiter.take(upTo: 1, for: "busy", now: 5 * Self.second)
        #expect(busyAgain == 0)
    }

    @Test func zeroTurnsAKeyedLimitOff() {
        var limiter = KeyedRateLimiter(ratePerSecond: 0, burst: 0)
        let all = limiter.take(upTo: 1_000_000, for: "a", now: 0)
        #expect(all == 1_000_000)
        #expect(limiter.trackedKeys == 0)
    }

    @Test func framesOverTheRateAreThrottledAndAFloodCloses() {
        var limiter = FrameRateLimiter(framesPerSecond: 2, burst: 3, now: 0)
        let verdicts = (0..<5).map { _ in limiter.admit(now: 0) }
        #expect(verdicts == [.accept, .accept, .accept, .throttle, .throttle])
        let refilled = limiter.admit(now: 500 * Self.millisecond)
        #expect(refilled == .accept, "one frame's worth refilled")
        // Ten bursts' worth of throttled frames within a second is a client that does not listen.
        var flooded = FrameRateLimiter(framesPerSecond: 2, burst: 3, now: 0)
        var closedAt: Int?
        for index in 0..<100 where closedAt == nil {
            if flooded.admit(now: UInt64(index) * Self.millisecond) == .close { closedAt = index }
        }
        #expect(flooded.floodLimit == 30)
        #expect(closedAt == 3 + flooded.floodLimit)
    }

    @Test func throttledFramesSpreadOverSecondsDoNotClose() {
        var limiter = FrameRateLimiter(framesPerSecond: 1, burst: 1, now: 0)
        var verdicts: [FrameRateLimiter.Verdict] = []
        // Four frames a second for a minute: over the rate, but never ten bursts' worth within one second.
        for index in 0..<240 { verdicts.append(limiter.admit(now: UInt64(index) * 250 * Self.millisecond)) }
        #expect(!verdicts.contains(.close))
        #expect(verdicts.filter { $0 == .accept }.count == 60)
    }

    @Test func zeroTurnsTheFrameLimitOff() {
        var limiter = FrameRateLimiter(framesPerSecond: 0, burst: 1, now: 0)
        #expect((0..<100_000).allSatisfy { _ in limiter.admit(now: 0) == .accept })
        var off = FrameRateLimiter.off
        let verdict = off.admit(now: .max)
        #expect(verdict == .accept)
    }

    @Test func connectsAcrossTheServerShareOneBucket() {
        let now = Mutex<UInt64>(0)
        let limiter = ConnectRateLimiter(perSecond: 3) { now.withLock { $0 } }
        #expect((0..<5).map { _ in limiter.allow() } == [true, true, true, false, false])
        now.withLock { $0 = Self.second / 3 + 1 }
        #expect(limiter.allow())
        #expect(!limiter.allow())
        let off = ConnectRateLimiter(perSecond: 0) { 0 }
        #expect((0..<10_000).allSatisfy { _ in off.allow() })
    }

    @Test func putEventsEntriesAreAdmittedInOrderPerCaller() {
        let now = Mutex<UInt64>(0)
        let limiter = PutEventsRateLimiter(entriesPerSecond: 2, burst: 4) { now.withLock { $0 } }
        #expect(limiter.admit(10, from: .accessKey("AKIDA")) == 4)
        #expect(limiter.admit(10, from: .accessKey("AKIDA")) == 0)
        #expect(limiter.admit(3, from: .accessKey("AKIDB")) == 3, "another key is not affected")
        #expect(limiter.admit(3, from: .address("AKIDA")) == 3, "an address is not an access key")
        #expect(limiter.admit(1, from: .ingestToken(index: 0)) == 1)
        now.withLock { $0 = Self.second }
        #expect(limiter.admit(10, from: .accessKey("AKIDA")) == 2)
    }
}
