/// Where PushBridge keeps what must outlive the process: event buses, rules and targets, every accepted event's
/// messages (one per matching target) with their attempts and retry times, and the dead-letter queue.
///
/// The runtime keeps working state in memory (``EventRouter``, ``DeliveryQueue``) and tells the store every change
/// as a ``StoreChange``; at start it rebuilds that state from ``recover()``. Three implementations are planned on
/// this one protocol: ``InMemoryEventStore`` (keeps nothing: tests and benchmarks), SQLite (one node, a journal in
/// a data directory) and PostgreSQL (cluster mode, where the same changes are shared by every node).
///
/// A message is named by its event id and its target (``MessageKey``): a rule sends an event to each of its
/// targets once, and a redrive takes the dead letter out as it queues the event again, so no two live messages
/// share a key, and a store needs no id of its own to find one.
public protocol EventStore: Sendable {
    /// Whether changes are kept at all; an in-memory store answers false, and callers skip building changes.
    var isDurable: Bool { get }

    /// What the last run left, read once before the server starts taking requests.
    func recover() throws(EventStoreError) -> RecoveredState

    /// Records `changes` in order, after every change submitted before them. They are committed together (all or
    /// none), usually in one transaction with other submissions that arrived meanwhile (group commit).
    /// `completion` runs once they are committed or have failed, on a thread of the store's own: keep it short.
    func submit(_ changes: [StoreChange], completion: (@Sendable (Result<Void, EventStoreError>) -> Void)?)

    /// Commits what was submitted and releases the store (its lock on the data directory included).
    func close()

    /// Like ``close()``, and returns once what was submitted is committed (or has failed) and the store is
    /// released: the last thing a server does before it exits.
    func shutdown() async

    /// Whether this process sends the firing of the scheduled rule `ruleArn` at `time`. A store that one process
    /// holds answers yes; the nodes of a cluster all compute the same firings, and only the first to claim one
    /// sends it.
    func claimFiring(ruleArn: String, at time: Timestamp) async throws(EventStoreError) -> Bool
}

extension EventStore {
    /// Records `changes` and waits until they are committed.
    public func commit(_ changes: [StoreChange]) async throws(EventStoreError) {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, EventStoreError>, Never>) in
            submit(changes) { continuation.resume(returning: $0) }
        }
        try result.get()
    }

    /// Waits until every change submitted so far is committed.
    public func flush() async throws(EventStoreError) { try await commit([]) }

    public func shutdown() async {
        try? await flush()
        close()
    }

    public func claimFiring(ruleArn: String, at time: Timestamp) async throws(EventStoreError) -> Bool { true }
}

/// One event's message to one target.
public struct MessageKey: Hashable, Sendable {
    public var eventId: String
    public var target: TargetKey

    public init(eventId: String, target: TargetKey) {
        self.eventId = eventId
        self.target = target
    }
}

/// One change of durable state.
public enum StoreChange: Sendable {
    /// A bus created, updated or (re)tagged; the default bus is stored only once it has settings or tags.
    case putBus(StoredBus)
    case deleteBus(name: String)
    /// A rule's own fields (its targets are stored one by one); creation order is kept across updates.
    case putRule(StoredRule)
    case deleteRule(bus: String, name: String)
    /// A target as PutTargets received it (``TargetDefinition/storedJSON``), added or replaced.
    case putTarget(TargetKey, json: String)
    case deleteTarget(TargetKey)
    /// An accepted event and its messages: what PutEvents waits for before it answers.
    case accept(StoredEvent, messages: [StoredMessage])
    /// A delivery failed and the message waits until `dueAt` (nil: ready now) with these attempts.
    case reschedule(MessageKey, attempts: [DeliveryAttempt], dueAt: Timestamp?)
    /// The target took the message: it leaves the store (and its event, once no message needs it).
    case delivered(MessageKey)
    /// The message failed for good: it leaves its queue and enters the DLQ, in one step.
    case deadLettered(DeadLetterEntry)
    /// An operator deleted, purged or redrove a dead letter, or it aged out or was evicted.
    case deadLetterRemoved(id: String)
}

public struct StoredBus: Sendable, Equatable {
    public var name: String
    public var arn: String
    public var description: String?
    public var createdAt: Timestamp
    /// UpdateEventBus's last change; nil until one (the creation time is then the last change).
    public var modifiedAt: Timestamp?
    public var settings: BusSettings
    public var tags: [ResourceTag]

    public init(
        name: String,
        arn: String,
        description: String?,
        createdAt: Timestamp,
        modifiedAt: Timestamp? = nil,
        settings: BusSettings = BusSettings(),
        tags: [ResourceTag] = []
    ) {
        self.name = name
        self.arn = arn
        self.description = description
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
        self.settings = settings
        self.tags = tags
    }
}

public struct StoredRule: Sendable, Equatable {
    public var busName: String
    public var name: String
    public var arn: String
    public var eventPattern: String?
    public var scheduleExpression: String?
    public var state: String
    public var description: String?
    public var roleArn: String?
    public var tags: [ResourceTag]

    public init(
        busName: String,
        name: String,
        arn: String,
        eventPattern: String?,
        scheduleExpression: String? = nil,
        state: String,
        description: String?,
        roleArn: String? = nil,
        tags: [ResourceTag] = []
    ) {
        self.busName = busName
        self.name = name
        self.arn = arn
        self.eventPattern = eventPattern
        self.scheduleExpression = scheduleExpression
        self.state = state
        self.description = description
        self.roleArn = roleArn
        self.tags = tags
    }
}

public struct StoredEvent: Sendable, Equatable {
    public var id: String
    public var busName: String
    /// The event's JSON text, as targets receive it.
    public var json: String

    public init(id: String, busName: String, json: String) {
        self.id = id
        self.busName = busName
        self.json = json
    }
}

public struct StoredMessage: Sendable, Equatable {
    public var target: TargetKey
    /// When the event was accepted: age limits count from here, across restarts too.
    public var ingestedAt: Timestamp
    /// The subscription key or connection id the target's path parameter selected.
    public var routingKey: String?

    public init(target: TargetKey, ingestedAt: Timestamp, routingKey: String?) {
        self.target = target
        self.ingestedAt = ingestedAt
        self.routingKey = routingKey
    }
}

/// A message as recovered: ready (`dueAt` nil) or waiting for a retry, with the attempts made so far.
/// A message that was being delivered when the process stopped comes back ready (at-least-once).
public struct RecoveredMessage: Sendable, Equatable {
    public var event: StoredEvent
    public var message: StoredMessage
    public var attempts: [DeliveryAttempt]
    public var dueAt: Timestamp?

    public init(event: StoredEvent, message: StoredMessage, attempts: [DeliveryAttempt], dueAt: Timestamp?) {
        self.event = event
        self.message = message
        self.attempts = attempts
        self.dueAt = dueAt
    }
}

public struct RecoveredTarget: Sendable, Equatable {
    public var key: TargetKey
    public var json: String

    public init(key: TargetKey, json: String) {
        self.key = key
        self.json = json
    }
}

/// Everything a store kept, in the order it was created (buses, rules and targets) or accepted (messages, oldest
/// first; dead letters, oldest first).
public struct RecoveredState: Sendable, Equatable {
    public var buses: [StoredBus]
    public var rules: [StoredRule]
    public var targets: [RecoveredTarget]
    public var messages: [RecoveredMessage]
    public var deadLetters: [DeadLetterEntry]

    public init(
        buses: [StoredBus] = [],
        rules: [StoredRule] = [],
        targets: [RecoveredTarget] = [],
        messages: [RecoveredMessage] = [],
        deadLetters: [DeadLetterEntry] = []
    ) {
        self.buses = buses
        self.rules = rules
        self.targets = targets
        self.messages = messages
        self.deadLetters = deadLetters
    }

    public static let empty = RecoveredState()
}

/// Why the store could not open, read or commit; `path` names the file when there is one.
public struct EventStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Another process holds the data directory.
        case locked
        /// The data directory cannot be created, locked or written (permissions, a read-only or full file system).
        case inaccessible
        /// The database could not be opened or read (corrupt, not a database, unreadable).
        case unreadable
        /// A commit failed (disk full, I/O error, read-only file system).
        case writeFailed
        /// The store was closed.
        case closed
    }

    public var kind: Kind
    public var path: String?
    public var reason: String

    public init(_ kind: Kind, path: String? = nil, reason: String) {
        self.kind = kind
        self.path = path
        self.reason = reason
    }

    public var description: String { path.map { "\($0): \(reason)" } ?? reason }
}

/// Keeps nothing: every change is accepted at once and nothing is recovered. The server's `--in-memory` mode.
public struct InMemoryEventStore: EventStore {
    public init() {}
    public var isDurable: Bool { false }
    public func recover() throws(EventStoreError) -> RecoveredState { .empty }
    public func submit(_ changes: [StoreChange], completion: (@Sendable (Result<Void, EventStoreError>) -> Void)?) {
        completion?(.success(()))
    }
    public func close() {}
}
