import Synchronization

/// Whether the server takes new work: ready until a shutdown starts, then draining.
public final class Readiness: Sendable {
    private let draining = Atomic<Bool>(false)

    public init() {}

    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    /// From now on `/readyz` answers 503 and new sockets and PutEvents are refused.
    public func startDraining() { draining.store(true, ordering: .relaxed) }
}
