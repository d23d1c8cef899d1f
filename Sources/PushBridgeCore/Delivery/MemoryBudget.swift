import Synchronization

/// The bytes every queue together may hold (`--queue-max-bytes`). Message counts alone do not bound memory:
/// 100,000 messages of 1 MiB events are 100 GiB, so each queued message also reserves its event's size here,
/// and PutEvents is throttled when the budget is spent.
public final class MemoryBudget: Sendable {
    public let limit: Int
    private let used = Atomic<Int>(0)

    public init(limit: Int) { self.limit = max(0, limit) }

    /// No limit (tests and embedders that bound memory otherwise).
    public static var unlimited: MemoryBudget { MemoryBudget(limit: .max) }

    public var usedBytes: Int { used.load(ordering: .relaxed) }

    /// Whether `bytes` more would fit now (a hint for all-or-nothing checks; ``reserve(_:)`` decides).
    public func canReserve(_ bytes: Int) -> Bool { bytes <= limit - usedBytes }

    /// Takes `bytes` from the budget, or nothing if they do not fit.
    public func reserve(_ bytes: Int) -> Bool {
        var current = used.load(ordering: .relaxed)
        while true {
            guard bytes <= limit - current else { return false }
            let (exchanged, original) = used.compareExchange(expected: current, desired: current + bytes, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    /// Takes `bytes` even past the limit: for what was accepted before and must not be refused now (recovery).
    public func forceReserve(_ bytes: Int) {
        used.add(max(0, bytes), ordering: .relaxed)
    }

    public func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        used.subtract(bytes, ordering: .relaxed)
    }
}
