import Logging
import Synchronization

/// One target's queue at run time: ``DeliveryQueueState`` behind a lock, a worker loop that receives and
/// delivers, and the dead-letter store that takes what fails for good.
public final class DeliveryQueue: Sendable {
    public let target: TargetKey
    private let state: Mutex<DeliveryQueueState>
    private let deliverer: Mutex<any TargetDeliverer>
    private let signal = WakeupSignal()
    private let deadLetters: any DeadLetterStore
    /// The target's own dead-letter destination (`DeadLetterConfig.Arn`), and what sends there.
    private let deadLetterDestination = Mutex<String?>(nil)
    private let deadLetterForwarder: (any DeadLetterForwarder)?
    private let observer: any DeliveryObserver
    private let logger: Logger
    private let clock: WallClock
    private let budget: MemoryBudget
    /// Where deliveries and retry schedules are recorded (dead letters are recorded by the dead-letter store).
    private let store: any EventStore
    private let closed = Atomic<Bool>(false)

    public init(
        target: TargetKey,
        capacity: Int,
        retryPolicy: RetryPolicy,
        deliverer: any TargetDeliverer,
        deadLetters: any DeadLetterStore,
        deadLetterForwarder: (any DeadLetterForwarder)? = nil,
        observer: any DeliveryObserver = NoDeliveryObserver(),
        clock: WallClock = .system,
        budget: MemoryBudget = .unlimited,
        store: any EventStore = InMemoryEventStore(),
        logger: Logger
    ) {
        self.target = target
        self.clock = clock
        self.budget = budget
        self.store = store
        var initial = DeliveryQueueState(capacity: capacity, retryPolicy: retryPolicy)
        initial.recordsChanges = store.isDurable
        self.state = Mutex(initial)
        self.deliverer = Mutex(deliverer)
        self.deadLetters = deadLetters
        self.deadLetterForwarder = deadLetterForwarder
        self.observer = observer
        self.logger = logger
    }

    /// Runs `body` on the state under the lock, gives the bytes it freed back to the budget and records what it
    /// changed; recorded under the lock, so the store sees one message's changes in the order they happened.
    private func withState<Result: Sendable>(_ body: (inout DeliveryQueueState) -> Result) -> Result {
        let (result, freed) = state.withLock { state in
            let result = body(&state)
            let changes = state.takeChanges()
            if !changes.isEmpty { store.submit(changes, completion: nil) }
            return (result, state.takeReleasedBytes())
        }
        budget.release(freed)
        return result
    }

    /// Free places, checked before an event is accepted for several targets at once.
    public var freeCapacity: Int { state.withLock { $0.freeCapacity } }

    /// Puts back a message recovered from the store; see ``DeliveryQueueState/restore(_:attempts:dueAt:)``. Its bytes
    /// count against the budget even past the limit: it was accepted before the restart.
    public func restore(_ message: DeliveryMessage, attempts: [DeliveryAttempt], dueAt: Timestamp?) {
        budget.forceReserve(message.event.estimatedBytes)
        state.withLock { $0.restore(message, attempts: attempts, dueAt: dueAt) }
        signal.signal()
    }

    /// Makes room for recovered messages at once.
    public func reserveCapacity(ready: Int, waiting: Int) { state.withLock { $0.reserveCapacity(ready: ready, waiting: waiting) } }

    public func enqueue(_ message: DeliveryMessage) -> Bool {
        guard !closed.load(ordering: .relaxed) else { return false }
        if deliveredAtOnce(message, reserved: false) { return true }
        let bytes = message.event.estimatedBytes
        guard budget.reserve(bytes) else { return false }
        let accepted = state.withLock { $0.enqueue(message) }
        if accepted { signal.signal() } else { budget.release(bytes) }
        return accepted
    }

    /// Promises a place and `bytes` of the budget to a message queued later by ``enqueue(reserved:)``, so that
    /// an entry answered with an EventId always finds its place; false (nothing taken) when there is no room.
    public func reservePlace(bytes: Int) -> Bool {
        guard budget.reserve(bytes) else { return false }
        guard state.withLock({ $0.reservePlace() }) else {
            budget.release(bytes)
            return false
        }
        return true
    }

    /// Gives back what ``reservePlace(bytes:)`` took, for a message that will not come (its commit failed).
    public func cancelReservedPlace(bytes: Int) {
        state.withLock { $0.cancelReservedPlace() }
        budget.release(bytes)
    }

    /// Queues a message whose place was reserved; false only when the queue closed meanwhile (what was reserved
    /// is given back).
    public func enqueue(reserved message: DeliveryMessage) -> Bool {
        if deliveredAtOnce(message, reserved: true) { return true }
        let accepted = state.withLock { $0.enqueue(message, reserved: true) }
        if accepted { signal.signal() } else { budget.release(message.event.estimatedBytes) }
        return accepted
    }

    /// The fast path: a deliverer that never waits delivers a message in its producer's pass when nothing is
    /// queued ahead of it, with no wake-up of the worker. Anything else, a failure included, takes the queue, so
    /// retries, the DLQ and per-target order stay the queue's.
    private func deliveredAtOnce(_ message: DeliveryMessage, reserved: Bool) -> Bool {
        let deliverer = self.deliverer.withLock { $0 }
        guard state.withLock({ $0.acceptsDeliveryAtOnce }),
            case .delivered = deliverer.deliverAtOnce(message)
        else { return false }
        withState { $0.deliveredAtOnce(message, reserved: reserved) }
        if reserved { budget.release(message.event.estimatedBytes) }
        observer.delivered(message, latency: clock.now() - message.event.ingestedAt)
        return true
    }

    /// Sets where dead letters of this target are also sent (`DeadLetterConfig.Arn`), or nil for the built-in DLQ only.
    public func update(deadLetterArn: String?) {
        deadLetterDestination.withLock { $0 = deadLetterArn }
    }

    public func update(retryPolicy: RetryPolicy, deliverer: any TargetDeliverer) {
        state.withLock { $0.retryPolicy = retryPolicy }
        self.deliverer.withLock { $0 = deliverer }
    }

    public var snapshot: QueueSnapshot {
        state.withLock { state in
            QueueSnapshot(
                target: target,
                depth: state.depth,
                ready: state.readyCount,
                inFlight: state.inFlightCount,
                waitingForRetry: state.waitingCount,
                nextRetryAt: state.earliestRetry(),
                counters: state.counters
            )
        }
    }

    public var waitingMessages: [(id: UInt64, dueAt: Timestamp, attempts: [DeliveryAttempt], message: DeliveryMessage)] {
        state.withLock { $0.waitingMessages }
    }

    public func retryNow(_ id: UInt64) -> Bool {
        let moved = withState { $0.retryNow(id) }
        if moved { signal.signal() }
        return moved
    }

    public func cancelRetry(_ id: UInt64) -> DeadLetterEntry? {
        let now = clock.now()
        guard let entry = withState({ $0.cancelRetry(id, now: now, deadLetterId: Self.newDeadLetterId()) }) else { return nil }
        store(entry)
        return entry
    }

    /// The target was removed: stop the worker and dead-letter whatever is still queued.
    public func close(reason: DeliveryFailure) {
        closed.store(true, ordering: .relaxed)
        let now = clock.now()
        let entries = withState { $0.drainAll(failure: reason, now: now, deadLetterId: Self.newDeadLetterId) }
        for entry in entries { store(entry) }
        signal.signal()
    }

    /// Receives and delivers until cancelled or closed.
    public func run() async {
        var random = SystemRandomNumberGenerator()
        while !Task.isCancelled, !closed.load(ordering: .relaxed) {
            let deliverer = self.deliverer.withLock { $0 }
            let now = clock.now()
            // Lease only what starts now: a lease taken early could expire while it waits its turn and be
            // delivered twice. A one-at-a-time deliverer (WebSocket fan-out) is fast, so it takes a batch.
            let batch = deliverer.maximumConcurrency <= 1 ? 32 : deliverer.maximumConcurrency
            let (leases, expired, wakeup) = withState { state in
                let expired = state.promoteDue(now: now, random: &random, deadLetterId: Self.newDeadLetterId)
                return (state.receive(now: now, maximum: batch), expired, state.nextWakeup)
            }
            for entry in expired { store(entry) }
            if leases.isEmpty {
                let deadline = wakeup.map { ContinuousClock.now + ($0 - clock.now()) }
                await signal.wait(until: deadline)
                continue
            }
            if deliverer.maximumConcurrency <= 1 {
                for lease in leases { await settle(lease, outcome: await deliverer.deliver(lease.message), random: &random) }
            } else {
                await deliverConcurrently(leases, deliverer: deliverer)
            }
        }
    }

    private func deliverConcurrently(_ leases: [DeliveryQueueState.Lease], deliverer: any TargetDeliverer) async {
        await withTaskGroup(of: (DeliveryQueueState.Lease, DeliveryOutcome).self) { group in
            var iterator = leases.makeIterator()
            var running = 0
            while running < deliverer.maximumConcurrency, let lease = iterator.next() {
                group.addTask { (lease, await deliverer.deliver(lease.message)) }
                running += 1
            }
            var random = SystemRandomNumberGenerator()
            while let (lease, outcome) = await group.next() {
                await settle(lease, outcome: outcome, random: &random)
                if let next = iterator.next() {
                    group.addTask { (next, await deliverer.deliver(next.message)) }
                }
            }
        }
    }

    private func settle(_ lease: DeliveryQueueState.Lease, outcome: DeliveryOutcome, random: inout SystemRandomNumberGenerator) async {
        let now = clock.now()
        switch outcome {
        case .delivered:
            withState { $0.complete(lease) }
            observer.delivered(lease.message, latency: now - lease.message.event.ingestedAt)
        case .failed(let failure):
            let action = withState { $0.fail(lease, failure: failure, now: now, random: &random, deadLetterId: Self.newDeadLetterId) }
            switch action {
            case .retryScheduled(let at):
                observer.retryScheduled(lease.message, failure: failure)
                logger.debug(
                    "Delivery failed, retry scheduled",
                    metadata: [
                        "pb.target": "\(target)", "pb.event.id": "\(lease.message.event.id)", "pb.error": "\(failure.code)", "pb.retry.at": "\(at)",
                    ]
                )
            case .deadLettered(let entry): store(entry)
            case .ignored: break
            }
        }
    }

    private func store(_ entry: DeadLetterEntry) {
        // The built-in DLQ always keeps the entry, so a destination that is down loses nothing.
        deadLetters.add(entry)
        if let forwarder = deadLetterForwarder, let arn = deadLetterDestination.withLock({ $0 }) {
            Task { await forwarder.forward(entry, to: arn) }
        }
        observer.deadLettered(entry)
        logger.warning(
            "Event dead-lettered",
            metadata: [
                "pb.target": "\(entry.target)", "pb.event.id": "\(entry.eventId)", "pb.error": "\(entry.errorCode)",
                "pb.reason": "\(entry.errorMessage)", "pb.retries": "\(entry.retryAttempts)",
            ]
        )
    }

    static func newDeadLetterId() -> String { UUIDText.random() }
}

/// A point-in-time view of one target's queue, for operators.
public struct QueueSnapshot: Sendable, Codable, Equatable {
    public var target: TargetKey
    public var depth: Int
    public var ready: Int
    public var inFlight: Int
    public var waitingForRetry: Int
    public var nextRetryAt: Timestamp?
    public var counters: DeliveryCounters
}

/// Hooks for metrics; the domain does not depend on a metrics backend.
public protocol DeliveryObserver: Sendable {
    func delivered(_ message: DeliveryMessage, latency: Duration)
    func retryScheduled(_ message: DeliveryMessage, failure: DeliveryFailure)
    func deadLettered(_ entry: DeadLetterEntry)
    /// The target's queue is gone (RemoveTargets, DeleteEventBus): what is kept about it may be dropped.
    func targetRemoved(_ target: TargetKey)
}

extension DeliveryObserver {
    public func targetRemoved(_ target: TargetKey) {}
}

public struct NoDeliveryObserver: DeliveryObserver {
    public init() {}
    public func delivered(_ message: DeliveryMessage, latency: Duration) {}
    public func retryScheduled(_ message: DeliveryMessage, failure: DeliveryFailure) {}
    public func deadLettered(_ entry: DeadLetterEntry) {}
}
