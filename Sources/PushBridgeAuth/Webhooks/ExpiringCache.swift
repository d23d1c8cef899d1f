import DequeModule

/// Webhook answers kept for a time to live, at most `capacity` of them. Pure: "now" is given, so tests move time
/// instead of sleeping.
///
/// Every entry lives equally long, so insertion order is expiry order: expired entries are dropped from the front
/// of a queue, and when the cache is full the oldest entry makes room. A key stored again leaves its old place in
/// the queue behind, recognised as stale by its sequence number.
public struct ExpiringCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    public let timeToLive: Duration
    public let capacity: Int
    private var entries: [Key: Entry] = [:]
    private var order: Deque<Place> = []
    private var nextSequence: UInt64 = 0

    private struct Entry: Sendable {
        let value: Value
        let expires: ContinuousClock.Instant
        let sequence: UInt64
    }

    private struct Place: Sendable {
        let key: Key
        let sequence: UInt64
    }

    /// A time to live of zero (or a capacity of zero) keeps nothing.
    public init(timeToLive: Duration, capacity: Int) {
        self.timeToLive = max(.zero, timeToLive)
        self.capacity = max(0, capacity)
    }

    public var count: Int { entries.count }

    /// The value stored for `key`, unless it has expired at `now`. Expired entries are dropped by the next store.
    public func value(for key: Key, now: ContinuousClock.Instant) -> Value? {
        guard let entry = entries[key], now < entry.expires else { return nil }
        return entry.value
    }

    /// Keeps `value` for `key` until `now` plus the time to live, replacing what `key` had.
    public mutating func store(_ value: Value, for key: Key, now: ContinuousClock.Instant) {
        guard timeToLive > .zero, capacity > 0 else { return }
        dropExpired(now: now)
        if entries[key] == nil {
            while entries.count >= capacity, let oldest = order.popFirst() {
                if entries[oldest.key]?.sequence == oldest.sequence { entries[oldest.key] = nil }
            }
        }
        nextSequence &+= 1
        entries[key] = Entry(value: value, expires: now + timeToLive, sequence: nextSequence)
        order.append(Place(key: key, sequence: nextSequence))
        // Keys stored again while still cached leave stale places; they never outnumber the live ones for long.
        if order.count > 2 * capacity + 16 {
            order = Deque(order.filter { entries[$0.key]?.sequence == $0.sequence })
        }
    }

    /// Forgets everything.
    public mutating func removeAll() {
        entries.removeAll()
        order.removeAll()
    }

    private mutating func dropExpired(now: ContinuousClock.Instant) {
        while let first = order.first {
            if let entry = entries[first.key], entry.sequence == first.sequence {
                guard entry.expires <= now else { return }
                entries[first.key] = nil
            }
            order.removeFirst()
        }
    }
}
