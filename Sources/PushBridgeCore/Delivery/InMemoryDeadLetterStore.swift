import DequeModule
import Logging
import Synchronization

/// A bounded in-memory ``DeadLetterStore``. When full, the oldest entry makes room and the eviction is logged
/// with the event id, so nothing leaves without a trace.
public final class InMemoryDeadLetterStore: DeadLetterStore {
    private struct State {
        var order: Deque<String> = []
        var entries: [String: DeadLetterEntry] = [:]
    }

    private let state = Mutex(State())
    public let maximumEntries: Int
    private let logger: Logger

    public init(maximumEntries: Int = 100_000, logger: Logger = Logger(label: "pushbridge.dlq")) {
        self.maximumEntries = maximumEntries
        self.logger = logger
    }

    public func add(_ entry: DeadLetterEntry) {
        let evicted: DeadLetterEntry? = state.withLock { state in
            if state.entries[entry.id] != nil {
                state.entries[entry.id] = entry
                return nil
            }
            var evicted: DeadLetterEntry?
            if state.entries.count >= maximumEntries, let oldest = state.order.popFirst() {
                evicted = state.entries.removeValue(forKey: oldest)
            }
            state.order.append(entry.id)
            state.entries[entry.id] = entry
            return evicted
        }
        if let evicted {
            logger.error(
                "Dead-letter store full: evicted the oldest entry",
                metadata: ["pb.dlq.id": "\(evicted.id)", "pb.event.id": "\(evicted.eventId)", "pb.target": "\(evicted.target)"]
            )
        }
    }

    public func entry(id: String) -> DeadLetterEntry? { state.withLock { $0.entries[id] } }

    public func list(_ filter: DeadLetterFilter) -> [DeadLetterEntry] {
        state.withLock { state in state.order.compactMap { state.entries[$0] }.filter(filter.matches) }
    }

    public func remove(id: String) -> DeadLetterEntry? {
        state.withLock { state in
            guard let entry = state.entries.removeValue(forKey: id) else { return nil }
            state.order.removeAll { $0 == id }
            return entry
        }
    }

    public func removeAll(_ filter: DeadLetterFilter) -> [DeadLetterEntry] {
        state.withLock { state in
            let removed = state.order.compactMap { state.entries[$0] }.filter(filter.matches)
            let ids = Set(removed.map(\.id))
            for id in ids { state.entries[id] = nil }
            state.order.removeAll { ids.contains($0) }
            return removed
        }
    }

    public var count: Int { state.withLock { $0.entries.count } }
}
