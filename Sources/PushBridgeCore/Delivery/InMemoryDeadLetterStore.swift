import DequeModule
import Logging
import Synchronization

/// A bounded ``DeadLetterStore`` held in memory, in entries and in bytes, and recorded in an ``EventStore`` (which
/// keeps it across restarts when the store is durable). When full, the oldest entries make room; every eviction is
/// counted (``evictedCount``) and each burst of them is logged with the first and last event ids, so nothing
/// leaves without a trace and a flood does not flood the log. Entries older than the retention period leave as
/// SQS's do (`--dlq-retention`).
public final class InMemoryDeadLetterStore: DeadLetterStore {
    private struct State {
        var order: Deque<String> = []
        var entries: [String: DeadLetterEntry] = [:]
        var bytes = 0
        var evicted = 0
        /// Evictions not logged yet (how many, the first and the last), and when the last line was written.
        var unreportedCount = 0
        var firstUnreported: DeadLetterEntry?
        var lastUnreported: DeadLetterEntry?
        var lastReport: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    public let maximumEntries: Int
    public let maximumBytes: Int
    /// How long an entry is kept; nil keeps it until it is evicted or removed.
    public let retention: Duration?
    private let clock: WallClock
    private let store: any EventStore
    private let logger: Logger
    /// At most one log line per this interval while evictions go on.
    static let reportInterval = Duration.seconds(10)

    public init(
        maximumEntries: Int = 100_000,
        maximumBytes: Int = .max,
        retention: Duration? = nil,
        clock: WallClock = .system,
        store: any EventStore = InMemoryEventStore(),
        logger: Logger = Logger(label: "pushbridge.dlq")
    ) {
        self.maximumEntries = maximumEntries
        self.maximumBytes = maximumBytes
        self.retention = retention
        self.clock = clock
        self.store = store
        self.logger = logger
    }

    /// Puts back entries recovered from the store, without recording them again; those past the retention period
    /// are removed from the store instead. Entries take their place by age (listing, expiry and eviction go oldest
    /// first) even if newer ones were added before. Returns how many were kept. The bounds apply from the next ``add(_:)``.
    @discardableResult
    public func restore(_ entries: [DeadLetterEntry]) -> Int {
        let oldestKept = retention.map { clock.now() + (.zero - $0) }
        var expired: [StoreChange] = []
        let kept = state.withLock { state in
            let hadEntries = !state.entries.isEmpty
            var kept = 0
            for entry in entries {
                if let oldestKept, entry.deadLetteredAt < oldestKept {
                    expired.append(.deadLetterRemoved(id: entry.id))
                    continue
                }
                if let previous = state.entries.updateValue(entry, forKey: entry.id) {
                    state.bytes -= Self.weight(previous)
                } else {
                    state.order.append(entry.id)
                }
                state.bytes += Self.weight(entry)
                kept += 1
            }
            if hadEntries, kept > 0 {
                let entries = state.entries
                state.order = Deque(
                    state.order.compactMap { entries[$0] }.sorted { $0.deadLetteredAt < $1.deadLetteredAt }.map(\.id)
                )
            }
            return kept
        }
        if !expired.isEmpty { store.submit(expired, completion: nil) }
        return kept
    }

    /// Drops entries past the retention period (the oldest are first in `order`), recording their removal.
    private func expire(_ state: inout State) {
        guard let retention else { return }
        let oldestKept = clock.now() + (.zero - retention)
        var removed: [StoreChange] = []
        while let first = state.order.first {
            guard let entry = state.entries[first] else {
                state.order.removeFirst()
                continue
            }
            guard entry.deadLetteredAt < oldestKept else { break }
            state.order.removeFirst()
            state.entries[first] = nil
            state.bytes -= Self.weight(entry)
            removed.append(.deadLetterRemoved(id: entry.id))
        }
        if !removed.isEmpty { store.submit(removed, completion: nil) }
    }

    /// What one entry weighs against ``maximumBytes``.
    static func weight(_ entry: DeadLetterEntry) -> Int {
        entry.event.utf8.count + entry.errorMessage.utf8.count + 256 * (entry.attempts.count + 1)
    }

    /// Entries evicted to make room, since the start.
    public var evictedCount: Int { state.withLock { $0.evicted } }

    public func add(_ entry: DeadLetterEntry) {
        let report: (count: Int, first: DeadLetterEntry, last: DeadLetterEntry)? = state.withLock { state in
            // Recorded under the lock, so the store sees additions and removals in the order they happen here.
            store.submit([.deadLettered(entry)], completion: nil)
            expire(&state)
            if let previous = state.entries[entry.id] {
                state.bytes += Self.weight(entry) - Self.weight(previous)
                state.entries[entry.id] = entry
                return nil
            }
            state.order.append(entry.id)
            state.entries[entry.id] = entry
            state.bytes += Self.weight(entry)
            // The newest entry always stays: evicting it would lose the one nobody has seen yet.
            while state.entries.count > maximumEntries || state.bytes > maximumBytes, state.entries.count > 1,
                let oldest = state.order.popFirst()
            {
                // An id removed earlier is only dropped from `order` here (see `remove(id:)`).
                guard let evicted = state.entries.removeValue(forKey: oldest) else { continue }
                store.submit([.deadLetterRemoved(id: evicted.id)], completion: nil)
                state.bytes -= Self.weight(evicted)
                state.evicted += 1
                state.unreportedCount += 1
                if state.firstUnreported == nil { state.firstUnreported = evicted }
                state.lastUnreported = evicted
            }
            let now = ContinuousClock.now
            guard let first = state.firstUnreported, let last = state.lastUnreported,
                state.lastReport.map({ now - $0 >= Self.reportInterval }) ?? true
            else { return nil }
            defer {
                state.unreportedCount = 0
                state.firstUnreported = nil
                state.lastUnreported = nil
                state.lastReport = now
            }
            return (state.unreportedCount, first, last)
        }
        if let report {
            logger.error(
                "Dead-letter store full: evicted the oldest entries",
                metadata: [
                    "pb.dlq.evicted": "\(report.count)", "pb.event.id.first": "\(report.first.eventId)",
                    "pb.event.id.last": "\(report.last.eventId)", "pb.target": "\(report.first.target)",
                    "pb.dlq.max_entries": "\(maximumEntries)", "pb.dlq.max_bytes": "\(maximumBytes)",
                ]
            )
        }
    }

    public func entry(id: String) -> DeadLetterEntry? {
        state.withLock { state in
            expire(&state)
            return state.entries[id]
        }
    }

    public func list(_ filter: DeadLetterFilter) -> [DeadLetterEntry] {
        state.withLock { state in
            expire(&state)
            return state.order.compactMap { state.entries[$0] }.filter(filter.matches)
        }
    }

    /// Constant time: the id stays in `order` until eviction or a compaction passes it (removing it there at once
    /// made purging or redriving n entries one by one take n² steps).
    public func remove(id: String) -> DeadLetterEntry? {
        state.withLock { state in
            guard let entry = state.entries.removeValue(forKey: id) else { return nil }
            store.submit([.deadLetterRemoved(id: id)], completion: nil)
            state.bytes -= Self.weight(entry)
            if state.order.count > 2 * state.entries.count + 1024 {
                let entries = state.entries
                state.order.removeAll { entries[$0] == nil }
            }
            return entry
        }
    }

    /// Removes entries another node already removed from the shared store, without recording it again; returns
    /// how many were here.
    @discardableResult
    public func forget(ids: some Sequence<String>) -> Int {
        state.withLock { state in
            var forgotten = 0
            for id in ids {
                guard let entry = state.entries.removeValue(forKey: id) else { continue }
                state.bytes -= Self.weight(entry)
                forgotten += 1
            }
            if state.order.count > 2 * state.entries.count + 1024 {
                let entries = state.entries
                state.order.removeAll { entries[$0] == nil }
            }
            return forgotten
        }
    }

    /// The ids of every entry held.
    public var ids: Set<String> { state.withLock { Set($0.entries.keys) } }

    public func removeAll(_ filter: DeadLetterFilter) -> [DeadLetterEntry] {
        state.withLock { state in
            let removed = state.order.compactMap { state.entries[$0] }.filter(filter.matches)
            let ids = Set(removed.map(\.id))
            for id in ids { state.entries[id] = nil }
            if !removed.isEmpty { store.submit(removed.map { .deadLetterRemoved(id: $0.id) }, completion: nil) }
            state.bytes -= removed.reduce(0) { $0 + Self.weight($1) }
            state.order.removeAll { ids.contains($0) }
            return removed
        }
    }

    public var count: Int {
        state.withLock { state in
            expire(&state)
            return state.entries.count
        }
    }
}
