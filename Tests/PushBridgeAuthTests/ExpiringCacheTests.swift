import PushBridgeAuth
import Testing

@Suite struct ExpiringCacheTests {
    let start = ContinuousClock.now

    @Test func anEntryLivesForItsTimeToLiveOnly() {
        var cache = ExpiringCache<String, Int>(timeToLive: .seconds(300), capacity: 10)
        cache.store(1, for: "a", now: start)
        #expect(cache.value(for: "a", now: start + .seconds(299)) == 1)
        #expect(cache.value(for: "a", now: start + .seconds(300)) == nil)
        cache.store(2, for: "b", now: start + .seconds(300))
        #expect(cache.count == 1, "the expired entry was dropped by the next store")
    }

    @Test func zeroTimeToLiveKeepsNothing() {
        var cache = ExpiringCache<String, Int>(timeToLive: .zero, capacity: 10)
        cache.store(1, for: "a", now: start)
        #expect(cache.value(for: "a", now: start) == nil)
        #expect(cache.count == 0)
    }

    @Test func whenFullTheOldestMakesRoom() {
        var cache = ExpiringCache<Int, Int>(timeToLive: .seconds(60), capacity: 3)
        for key in 0..<3 { cache.store(key, for: key, now: start + .seconds(key)) }
        cache.store(3, for: 3, now: start + .seconds(3))
        #expect(cache.count == 3)
        #expect(cache.value(for: 0, now: start + .seconds(4)) == nil)
        #expect(cache.value(for: 1, now: start + .seconds(4)) == 1)
        #expect(cache.value(for: 3, now: start + .seconds(4)) == 3)
    }

    @Test func storingAgainRenewsAndStalePlacesDoNotEvictTheNewEntry() {
        var cache = ExpiringCache<String, Int>(timeToLive: .seconds(10), capacity: 3)
        cache.store(1, for: "a", now: start)
        cache.store(2, for: "a", now: start + .seconds(5))
        cache.store(3, for: "b", now: start + .seconds(6))
        #expect(cache.value(for: "a", now: start + .seconds(12)) == 2, "renewed at 5 s, so alive until 15 s")
        // Expired places are dropped as new entries arrive; the renewed "a" survives its old place.
        cache.store(4, for: "c", now: start + .seconds(11))
        #expect(cache.value(for: "a", now: start + .seconds(12)) == 2)
        #expect(cache.value(for: "c", now: start + .seconds(12)) == 4)
    }

    @Test func manyKeysStayWithinCapacity() {
        var cache = ExpiringCache<Int, Int>(timeToLive: .seconds(3600), capacity: 100)
        for key in 0..<10_000 { cache.store(key, for: key % 150, now: start + .milliseconds(key)) }
        #expect(cache.count == 100)
    }
}
