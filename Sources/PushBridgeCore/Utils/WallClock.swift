/// Where the queues and the router read the wall clock: the system's in the product, a pinned one in tests.
///
/// Retry schedules and `MaximumEventAgeInSeconds` compare an event's ingest time with "now"; a test whose
/// events carry a fixed date must read "now" from the same calendar, or it passes only near that date.
public struct WallClock: Sendable {
    private let read: @Sendable () -> Timestamp

    public init(_ read: @escaping @Sendable () -> Timestamp) { self.read = read }

    public func now() -> Timestamp { read() }

    public static let system = WallClock { Timestamp.now() }

    /// Starts at `start` and advances with the monotonic clock: real waits and real timeouts, a fixed date.
    public static func starting(at start: Timestamp) -> WallClock {
        let origin = ContinuousClock.now
        return WallClock { start + (ContinuousClock.now - origin) }
    }
}
