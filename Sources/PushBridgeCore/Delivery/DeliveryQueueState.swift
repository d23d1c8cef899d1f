import DequeModule
import HeapModule

/// One target's queue as a pure state machine: SQS's receive / visibility timeout / delete, EventBridge's
/// retry policy, and the move to the dead-letter queue. Time is passed in, so every schedule is testable
/// without sleeping.
public struct DeliveryQueueState: ~Copyable {
    public struct Lease: Sendable {
        public let messageId: UInt64
        /// 1 for the first attempt; a late settle of an older lease is ignored.
        public let attempt: Int
        public let message: DeliveryMessage
    }

    struct Item {
        let id: UInt64
        let message: DeliveryMessage
        var attempts: [DeliveryAttempt] = []
        var dueAt: Timestamp?
    }

    private struct Due: Comparable {
        let at: Timestamp
        let id: UInt64
        static func < (lhs: Due, rhs: Due) -> Bool { (lhs.at, lhs.id) < (rhs.at, rhs.id) }
    }

    public let capacity: Int
    public var retryPolicy: RetryPolicy
    public var visibilityTimeout: Duration

    private var ready: Deque<Item> = []
    private var waiting: [UInt64: Item] = [:]
    private var dueTimes = Heap<Due>()
    private var inFlight: [UInt64: (item: Item, visibleAt: Timestamp)] = [:]
    private var nextId: UInt64 = 1
    /// Set by ``drainAll(failure:now:deadLetterId:)``: the queue takes nothing after it, so a message is either
    /// drained with the rest or refused, never left in a queue no worker reads.
    public private(set) var isClosed = false
    /// What the messages held weigh (``Event/estimatedBytes``): the queue's share of the memory budget.
    public private(set) var heldBytes = 0
    /// What messages that left weighed since the last ``takeReleasedBytes()``: for the caller to give back.
    private var releasedBytes = 0

    /// Bytes freed since the last call, for the memory budget.
    public mutating func takeReleasedBytes() -> Int {
        defer { releasedBytes = 0 }
        return releasedBytes
    }

    /// Whether transitions are recorded as ``StoreChange``s for a durable ``EventStore`` (off: nothing is built).
    public var recordsChanges = false
    /// Deliveries and retry schedules since the last ``takeChanges()``. Dead letters are not here: the
    /// dead-letter store records them as it takes them.
    private var changes: [StoreChange] = []

    /// The recorded changes, in the order they happened.
    public mutating func takeChanges() -> [StoreChange] {
        guard !changes.isEmpty else { return [] }
        defer { changes = [] }
        return changes
    }

    /// Records a change of `message`; messages to WebSocket subscribers were never kept, so neither are their
    /// changes (decided per message: a target's ARN may change under a queue).
    private mutating func record(_ message: DeliveryMessage, _ change: @autoclosure () -> StoreChange) {
        if recordsChanges, !message.isForWebSocketSubscribers { changes.append(change()) }
    }

    public private(set) var counters = DeliveryCounters()

    public init(capacity: Int, retryPolicy: RetryPolicy, visibilityTimeout: Duration = .seconds(300)) {
        self.capacity = capacity
        self.retryPolicy = retryPolicy
        self.visibilityTimeout = visibilityTimeout
    }

    /// Messages held: ready, waiting for a retry, or in flight. Bounded by ``capacity``.
    public var depth: Int { ready.count + waiting.count + inFlight.count }
    public var readyCount: Int { ready.count }
    public var waitingCount: Int { waiting.count }
    public var inFlightCount: Int { inFlight.count }
    public var freeCapacity: Int { max(0, capacity - depth - reservedPlaces) }
    /// Places promised to prepared messages (``reservePlace()``) that are not queued yet.
    public private(set) var reservedPlaces = 0

    /// Promises a place to a message that is queued later (once its event is committed); false when full.
    public mutating func reservePlace() -> Bool {
        guard !isClosed, depth + reservedPlaces < capacity else { return false }
        reservedPlaces += 1
        return true
    }

    /// Gives back a place promised by ``reservePlace()`` whose message will not come (its commit failed).
    public mutating func cancelReservedPlace() {
        reservedPlaces = max(0, reservedPlaces - 1)
    }

    /// Adds a message; false when the queue is full (the caller reports a retryable error to its client).
    /// With `reserved`, it takes the place ``reservePlace()`` promised, so it is refused only by a closed queue.
    public mutating func enqueue(_ message: DeliveryMessage, reserved: Bool = false) -> Bool {
        if reserved { cancelReservedPlace() }
        guard !isClosed, reserved || depth + reservedPlaces < capacity else { return false }
        heldBytes += message.event.estimatedBytes
        ready.append(Item(id: nextId, message: message))
        nextId += 1
        counters.enqueued += 1
        return true
    }

    /// Makes room for more ready and waiting messages at once (recovery puts back up to millions).
    public mutating func reserveCapacity(ready readyCount: Int, waiting waitingCount: Int) {
        if readyCount > 0 { ready.reserveCapacity(ready.count + readyCount) }
        if waitingCount > 0 { waiting.reserveCapacity(waiting.count + waitingCount) }
    }

    /// Puts back a message recovered from an ``EventStore``, with its attempts and its retry time (nil: ready).
    /// It was accepted before the restart, so neither the capacity nor a closed queue refuses it.
    public mutating func restore(_ message: DeliveryMessage, attempts: [DeliveryAttempt], dueAt: Timestamp?) {
        heldBytes += message.event.estimatedBytes
        let item = Item(id: nextId, message: message, attempts: attempts, dueAt: dueAt)
        nextId += 1
        counters.enqueued += 1
        if let dueAt {
            waiting[item.id] = item
            dueTimes.insert(Due(at: dueAt, id: item.id))
        } else {
            ready.append(item)
        }
    }

    /// Whether a new message may skip the queue, delivered by its producer at once: the queue is open and nothing
    /// is ready or in flight ahead of it (a message waiting for its retry does not hold back newer ones here either).
    public var acceptsDeliveryAtOnce: Bool { !isClosed && ready.isEmpty && inFlight.isEmpty }

    /// Counts a message delivered at once (it never entered the queue); with `reserved`, gives back the place
    /// ``reservePlace()`` promised it.
    public mutating func deliveredAtOnce(_ message: DeliveryMessage, reserved: Bool) {
        if reserved { cancelReservedPlace() }
        counters.enqueued += 1
        counters.delivered += 1
        record(message, .delivered(message.key))
    }

    /// Takes up to `maximum` messages for delivery, making them invisible until `now + visibilityTimeout`.
    /// Due retries become ready first; expired leases are handled by ``promoteDue(now:random:deadLetterId:)``.
    public mutating func receive(now: Timestamp, maximum: Int) -> [Lease] {
        promoteDue(now: now)
        var leases: [Lease] = []
        while leases.count < maximum, var item = ready.popFirst() {
            item.attempts.append(DeliveryAttempt(number: item.attempts.count + 1, startedAt: now, failure: nil))
            inFlight[item.id] = (item, now + visibilityTimeout)
            leases.append(Lease(messageId: item.id, attempt: item.attempts.count, message: item.message))
        }
        return leases
    }

    private mutating func release(_ message: DeliveryMessage) {
        heldBytes -= message.event.estimatedBytes
        releasedBytes += message.event.estimatedBytes
    }

    /// The lease was delivered: the message is deleted.
    public mutating func complete(_ lease: Lease) {
        guard let entry = inFlight[lease.messageId], entry.item.attempts.count == lease.attempt else { return }
        inFlight[lease.messageId] = nil
        release(entry.item.message)
        counters.delivered += 1
        record(entry.item.message, .delivered(entry.item.message.key))
    }

    public enum FailureAction: Sendable, Equatable {
        case retryScheduled(at: Timestamp)
        case deadLettered(DeadLetterEntry)
        /// The lease was stale (already timed out and handled).
        case ignored
    }

    /// The lease failed: schedule a retry or dead-letter it.
    public mutating func fail<R: RandomNumberGenerator>(
        _ lease: Lease,
        failure: DeliveryFailure,
        now: Timestamp,
        random: inout R,
        deadLetterId: () -> String
    ) -> FailureAction {
        guard var item = inFlight[lease.messageId]?.item, item.attempts.count == lease.attempt else { return .ignored }
        inFlight[lease.messageId] = nil
        item.attempts[item.attempts.count - 1].failure = failure
        return settleFailure(item, failure: failure, now: now, random: &random, deadLetterId: deadLetterId)
    }

    private mutating func settleFailure<R: RandomNumberGenerator>(
        _ item: Item,
        failure: DeliveryFailure,
        now: Timestamp,
        random: inout R,
        deadLetterId: () -> String
    ) -> FailureAction {
        counters.failedAttempts += 1
        guard failure.retryable else {
            return .deadLettered(deadLetter(item, failure: failure, exhausted: nil, now: now, id: deadLetterId()))
        }
        let decision = retryPolicy.decide(
            retriesSoFar: item.attempts.count - 1,
            ingestedAt: item.message.event.ingestedAt,
            now: now,
            notBefore: failure.retryAfter,
            using: &random
        )
        switch decision {
        case .retry(let at):
            var item = item
            item.dueAt = at
            waiting[item.id] = item
            dueTimes.insert(Due(at: at, id: item.id))
            counters.retried += 1
            record(item.message, .reschedule(item.message.key, attempts: item.attempts, dueAt: at))
            return .retryScheduled(at: at)
        case .exhausted(let condition):
            return .deadLettered(deadLetter(item, failure: failure, exhausted: condition, now: now, id: deadLetterId()))
        }
    }

    private mutating func deadLetter(
        _ item: Item,
        failure: DeliveryFailure,
        exhausted: RetryPolicy.ExhaustedCondition?,
        now: Timestamp,
        id: String
    ) -> DeadLetterEntry {
        counters.deadLettered += 1
        let message = item.message
        release(message)
        return DeadLetterEntry(
            id: id,
            eventId: message.event.id,
            event: message.event.jsonText,
            target: message.target,
            ruleArn: message.ruleArn,
            targetArn: message.targetArn,
            errorCode: failure.code,
            errorMessage: failure.message,
            exhaustedRetryCondition: exhausted,
            retryAttempts: max(0, item.attempts.count - 1),
            attempts: item.attempts,
            ingestedAt: message.event.ingestedAt,
            firstAttemptAt: item.attempts.first?.startedAt,
            lastAttemptAt: item.attempts.last?.startedAt,
            deadLetteredAt: now
        )
    }

    /// Moves due retries to the ready queue and turns expired leases into timed-out attempts.
    /// Returns dead letters produced by expired leases whose retries are exhausted.
    @discardableResult
    public mutating func promoteDue<R: RandomNumberGenerator>(
        now: Timestamp,
        random: inout R,
        deadLetterId: () -> String
    ) -> [DeadLetterEntry] {
        var deadLetters: [DeadLetterEntry] = []
        let expired = inFlight.filter { $0.value.visibleAt <= now }.sorted { $0.key < $1.key }
        for (id, entry) in expired {
            inFlight[id] = nil
            var item = entry.item
            let failure = DeliveryFailure(code: "TIMEOUT", message: "No result within the visibility timeout.", retryable: true)
            item.attempts[item.attempts.count - 1].failure = failure
            if case .deadLettered(let entry) = settleFailure(item, failure: failure, now: now, random: &random, deadLetterId: deadLetterId) {
                deadLetters.append(entry)
            }
        }
        promoteDue(now: now)
        return deadLetters
    }

    private mutating func promoteDue(now: Timestamp) {
        while let first = dueTimes.min, first.at <= now {
            dueTimes.removeMin()
            // Skip entries left behind by retryNow/cancelRetry: the item may be waiting again with a later due time.
            guard var item = waiting[first.id], item.dueAt == first.at else { continue }
            waiting[first.id] = nil
            item.dueAt = nil
            ready.append(item)
        }
    }

    /// When the queue next has something to do on its own: a retry falling due or a lease expiring.
    public var nextWakeup: Timestamp? {
        var earliest = dueTimes.min?.at
        for entry in inFlight.values where earliest == nil || entry.visibleAt < earliest! { earliest = entry.visibleAt }
        return earliest
    }

    /// When the soonest retry is due, from the heap (stale entries of messages retried or cancelled since are
    /// dropped): `/metrics` asks for every queue on every scrape, so no sorting here.
    public mutating func earliestRetry() -> Timestamp? {
        while let first = dueTimes.min, waiting[first.id]?.dueAt != first.at { _ = dueTimes.popMin() }
        return dueTimes.min?.at
    }

    /// Messages waiting for a retry, soonest first (for operators).
    public var waitingMessages: [(id: UInt64, dueAt: Timestamp, attempts: [DeliveryAttempt], message: DeliveryMessage)] {
        waiting.values.sorted { ($0.dueAt ?? .init(milliseconds: 0), $0.id) < ($1.dueAt ?? .init(milliseconds: 0), $1.id) }
            .map { ($0.id, $0.dueAt ?? .init(milliseconds: 0), $0.attempts, $0.message) }
    }

    /// Operator action: make a waiting message due now.
    public mutating func retryNow(_ id: UInt64) -> Bool {
        guard var item = waiting.removeValue(forKey: id) else { return false }
        item.dueAt = nil
        ready.append(item)
        record(item.message, .reschedule(item.message.key, attempts: item.attempts, dueAt: nil))
        return true
    }

    /// Operator action: stop retrying a waiting message and dead-letter it.
    public mutating func cancelRetry(_ id: UInt64, now: Timestamp, deadLetterId: String) -> DeadLetterEntry? {
        guard let item = waiting.removeValue(forKey: id) else { return nil }
        let last = item.attempts.last?.failure
        let failure = DeliveryFailure(
            code: last?.code ?? "CANCELLED",
            message: "Retries cancelled by an operator" + (last.map { "; last error: \($0.message)" } ?? ""),
            retryable: false
        )
        return deadLetter(item, failure: failure, exhausted: nil, now: now, id: deadLetterId)
    }

    /// The target is going away: every message it still holds is dead-lettered with `failure`.
    public mutating func drainAll(failure: DeliveryFailure, now: Timestamp, deadLetterId: () -> String) -> [DeadLetterEntry] {
        isClosed = true
        var items = Array(ready)
        items += waiting.values.sorted { $0.id < $1.id }
        items += inFlight.values.map(\.item).sorted { $0.id < $1.id }
        ready.removeAll()
        waiting.removeAll()
        dueTimes = Heap()
        inFlight.removeAll()
        return items.map { deadLetter($0, failure: failure, exhausted: nil, now: now, id: deadLetterId()) }
    }
}

/// Running totals of one target's deliveries.
public struct DeliveryCounters: Sendable, Equatable, Codable {
    public var enqueued = 0
    public var delivered = 0
    public var failedAttempts = 0
    public var retried = 0
    public var deadLettered = 0

    public init() {}
}
