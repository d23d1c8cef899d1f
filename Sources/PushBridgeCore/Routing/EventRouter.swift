import EventPatterns
import Logging
import PushBridgeJSON
import Synchronization

/// Event buses, their rules and targets, and the queues behind the targets.
///
/// Every rule of a bus is compiled into one ``RuleMatcher``, so routing an event costs the same whether a
/// bus has one rule or ten thousand; the event is parsed and flattened once, whatever the rule count.
/// Buses and queues have a lock each, so publishing reads one while the other changes. Here: routing and
/// publishing; in `EventRouter+Rules`, what the Events API changes; in `EventRouter+Recovery`, the start from
/// what an ``EventStore`` kept.
public final class EventRouter: Sendable {
    struct Bus {
        var name: String
        var arn: String
        var description: String?
        var createdAt: Timestamp
        var modifiedAt: Timestamp?
        var settings = BusSettings()
        var tags: [ResourceTag] = []
        var ruleNames: [String] = []
        var rules: [String: RuleDefinition] = [:]
        var matcher = RuleMatcher<String>()
    }

    /// Buses with their rules and matchers: what routing reads and the Events API changes.
    let buses = Mutex<[String: Bus]>([:])
    /// One queue per target, behind its own lock: publishing looks queues up without holding the buses.
    let targetQueues = Mutex<[TargetKey: DeliveryQueue]>([:])
    /// Dead letters being redriven: a second redrive of one entry at the same time would queue it twice.
    private let redrivesInProgress = Mutex<Set<String>>([])
    public let account: AccountContext
    public let queueCapacity: Int
    public let patternLimits: PatternLimits
    let delivererFactory: any TargetDelivererFactory
    let deadLetters: any DeadLetterStore
    let deadLetterForwarder: (any DeadLetterForwarder)?
    let workers: DeliveryWorkers
    let observer: any DeliveryObserver
    /// Stamps ingest times and schedules retries; every queue of this router reads it.
    public let clock: WallClock
    /// What every queue of this router may hold together, in bytes of events.
    public let budget: MemoryBudget
    /// Where buses, rules, targets and accepted events are recorded (nothing is, in memory).
    public let store: any EventStore
    /// Signalled whenever a rule may have gained, changed or lost its schedule: the scheduler reads the rules again.
    public let scheduleChanges = WakeupSignal()
    let logger: Logger

    public init(
        account: AccountContext,
        queueCapacity: Int,
        patternLimits: PatternLimits = .default,
        delivererFactory: any TargetDelivererFactory,
        deadLetters: any DeadLetterStore,
        deadLetterForwarder: (any DeadLetterForwarder)? = nil,
        workers: DeliveryWorkers,
        observer: any DeliveryObserver = NoDeliveryObserver(),
        clock: WallClock = .system,
        budget: MemoryBudget = .unlimited,
        store: any EventStore = InMemoryEventStore(),
        logger: Logger
    ) {
        self.account = account
        self.store = store
        self.queueCapacity = queueCapacity
        self.patternLimits = patternLimits
        self.delivererFactory = delivererFactory
        self.deadLetters = deadLetters
        self.deadLetterForwarder = deadLetterForwarder
        self.workers = workers
        self.observer = observer
        self.clock = clock
        self.budget = budget
        self.logger = logger
        let now = clock.now()
        buses.withLock {
            $0[AccountContext.defaultBusName] = Bus(
                name: AccountContext.defaultBusName,
                arn: account.busArn(AccountContext.defaultBusName),
                createdAt: now
            )
        }
    }

    // MARK: Routing

    /// The (rule, target) pairs an event goes to, each with the input the target receives.
    public func route(_ event: Event) -> [DeliveryMessage] {
        guard let bus = buses.withLock({ $0[event.eventBusName] }) else { return [] }
        var messages: [DeliveryMessage] = []
        for ruleName in bus.matcher.matchingRules(for: event.json).sorted() {
            guard let rule = bus.rules[ruleName], rule.state.routesEvents else { continue }
            for target in rule.targets { messages.append(Self.message(for: event, rule: rule, target: target)) }
        }
        return messages
    }

    /// What `target` of `rule` receives for `event`: its input, and the routing key its path parameter selects.
    static func message(for event: Event, rule: RuleDefinition, target: TargetDefinition, routingKey: String?? = nil) -> DeliveryMessage {
        DeliveryMessage(
            event: event,
            input: target.input,
            context: TargetInput.Context(ruleName: rule.name, ruleArn: rule.arn),
            routingKey: routingKey ?? target.routingKeyLiteral ?? target.routingKeySelector?.evaluate(event.json).flatMap(routingKeyText),
            target: TargetKey(busName: rule.busName, ruleName: rule.name, targetId: target.id),
            ruleArn: rule.arn,
            targetArn: target.arn
        )
    }

    private static func routingKeyText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let string): string
        case .number(let number): number.text
        case .bool(let bool): bool ? "true" : "false"
        default: nil
        }
    }

    public enum PublishResult: Sendable, Equatable {
        case accepted
        /// No place left in a target's queue; the client may retry.
        case throttled
        case unknownBus
    }

    /// An accepted event routed to its targets, with a place reserved in each target's queue and its bytes in the
    /// budget, and not queued yet: ``enqueue(_:)`` queues it once its ``storeChange`` is committed, or
    /// ``cancel(_:)`` gives the reservations back when the commit failed.
    public struct PreparedEvent: Sendable {
        public let event: Event
        let messages: [DeliveryMessage]
        let queues: [DeliveryQueue?]

        /// The (rule, target) pairs the event goes to, with what each receives.
        public var deliveries: [DeliveryMessage] { messages }

        /// What the store records for it; nil when nothing is to be kept. Messages to WebSocket subscribers are
        /// not kept: sockets and subscriptions end with the process, so after a restart such a message would
        /// reach no one (API Gateway has no replay either). Journaling them would cost every push a write and a
        /// delete for nothing.
        public var storeChange: StoreChange? {
            let kept = messages.filter { !$0.isForWebSocketSubscribers }
            guard !kept.isEmpty else { return nil }
            return .accept(
                StoredEvent(id: event.id, busName: event.eventBusName, json: event.jsonText),
                messages: kept.map { StoredMessage(target: $0.target, ingestedAt: event.ingestedAt, routingKey: $0.routingKey) }
            )
        }
    }

    public enum Preparation: Sendable {
        case ready(PreparedEvent)
        case refused(PublishResult)
    }

    /// Routes `event` and reserves, all or nothing, a place in every matching target's queue and its bytes in the
    /// memory budget; nothing is queued yet. Reserved before the commit, so entries that are answered with an
    /// EventId never find their queue full afterwards, even ten of one request for the last free place.
    public func prepare(_ event: Event) -> Preparation {
        guard buses.withLock({ $0[event.eventBusName] != nil }) else { return .refused(.unknownBus) }
        return reserve(event, messages: route(event))
    }

    /// Reserves, all or nothing, a place for each of `messages` in its target's queue and the event's bytes.
    func reserve(_ event: Event, messages: [DeliveryMessage]) -> Preparation {
        if messages.isEmpty { return .ready(PreparedEvent(event: event, messages: [], queues: [])) }
        let queues = targetQueues.withLock { queues in messages.map { queues[$0.target] } }
        var reserved: [DeliveryQueue] = []
        for queue in queues {
            guard let queue, queue.reservePlace(bytes: event.estimatedBytes) else {
                for queue in reserved { queue.cancelReservedPlace(bytes: event.estimatedBytes) }
                return .refused(.throttled)
            }
            reserved.append(queue)
        }
        return .ready(PreparedEvent(event: event, messages: messages, queues: queues))
    }

    /// Gives back the places and bytes a prepared event reserved: its commit failed, it will not be queued.
    public func cancel(_ prepared: PreparedEvent) {
        for queue in prepared.queues { queue?.cancelReservedPlace(bytes: prepared.event.estimatedBytes) }
    }

    /// Queues a prepared event for its targets, in the places reserved for it. A queue closed since
    /// ``prepare(_:)`` (its target removed) dead-letters its message, so the event stays where an operator sees it.
    public func enqueue(_ prepared: PreparedEvent) {
        for (message, queue) in zip(prepared.messages, prepared.queues) where queue?.enqueue(reserved: message) != true {
            deadLetters.add(
                DeadLetterEntry(
                    id: UUIDText.random(),
                    eventId: prepared.event.id,
                    event: prepared.event.jsonText,
                    target: message.target,
                    ruleArn: message.ruleArn,
                    targetArn: message.targetArn,
                    errorCode: "NO_RESOURCE",
                    errorMessage: "The target was removed before this event was queued.",
                    exhaustedRetryCondition: nil,
                    retryAttempts: 0,
                    attempts: [],
                    ingestedAt: prepared.event.ingestedAt,
                    firstAttemptAt: nil,
                    lastAttemptAt: nil,
                    deadLetteredAt: clock.now()
                )
            )
        }
    }

    /// Queues an accepted event for every matching target, all or nothing: if a target's queue has no room,
    /// nothing is queued and the entry fails with a retryable error. The store records it without being waited
    /// for (PutEvents uses ``prepare(_:)`` and waits for the commit).
    public func publish(_ event: Event) -> PublishResult {
        switch prepare(event) {
        case .refused(let result): return result
        case .ready(let prepared):
            if store.isDurable, let change = prepared.storeChange { store.submit([change], completion: nil) }
            enqueue(prepared)
            return .accepted
        }
    }

    // MARK: Queues

    public func queue(for key: TargetKey) -> DeliveryQueue? { targetQueues.withLock { $0[key] } }

    public func queues() -> [DeliveryQueue] {
        targetQueues.withLock { $0.values.sorted { $0.target.description < $1.target.description } }
    }

    /// Sends a dead letter back to its target with fresh attempts, and takes it out of the DLQ. The message is
    /// recorded before the entry leaves: a crash in between leaves both (a duplicate), never neither.
    public func redrive(_ entry: DeadLetterEntry) async throws(AWSServiceError) {
        guard let rule = rule(entry.target.ruleName, bus: entry.target.busName),
            let target = rule.targets.first(where: { $0.id == entry.target.targetId }),
            let queue = queue(for: entry.target)
        else { throw .resourceNotFound("Target \(entry.target) no longer exists; cannot redrive dead letter \(entry.id).") }
        guard let json = try? JSONParser.parse(entry.event),
            let event = Event(json: json, eventBusName: entry.target.busName, ingestedAt: clock.now())
        else { throw .validation("Dead letter \(entry.id) does not hold a valid event.") }
        let message = Self.message(for: event, rule: rule, target: target)
        guard redrivesInProgress.withLock({ $0.insert(entry.id).inserted }) else {
            throw AWSServiceError(code: "ConflictException", message: "Dead letter \(entry.id) is already being redriven.")
        }
        defer { redrivesInProgress.withLock { _ = $0.remove(entry.id) } }
        // Taken out by a redrive that finished just before: nothing left to send.
        guard deadLetters.entry(id: entry.id) != nil else {
            throw .resourceNotFound("Dead letter \(entry.id) was already redriven or removed.")
        }
        let full = AWSServiceError(code: "ThrottlingException", message: "The target's queue is full.")
        guard queue.freeCapacity > 0 else { throw full }
        if store.isDurable, !message.isForWebSocketSubscribers {
            let accept = StoreChange.accept(
                StoredEvent(id: event.id, busName: event.eventBusName, json: event.jsonText),
                messages: [StoredMessage(target: message.target, ingestedAt: event.ingestedAt, routingKey: message.routingKey)]
            )
            do {
                try await store.commit([accept])
            } catch {
                throw .internalFailure("The redriven message could not be recorded: \(error.reason)")
            }
        }
        guard queue.enqueue(message) else {
            // Taken back from the store; the entry stays in the DLQ.
            record(.delivered(message.key))
            throw full
        }
        deadLetters.remove(id: entry.id)
    }

    /// Records `change` in the store, when it keeps anything.
    func record(_ change: @autoclosure () -> StoreChange) {
        if store.isDurable { store.submit([change()], completion: nil) }
    }
}

extension StoredRule {
    init(_ rule: RuleDefinition) {
        self.init(
            busName: rule.busName,
            name: rule.name,
            arn: rule.arn,
            eventPattern: rule.eventPattern,
            scheduleExpression: rule.scheduleExpression,
            state: rule.state.rawValue,
            description: rule.description,
            roleArn: rule.roleArn,
            tags: rule.tags
        )
    }
}

extension StoredBus {
    init(_ bus: EventRouter.Bus) {
        self.init(
            name: bus.name,
            arn: bus.arn,
            description: bus.description,
            createdAt: bus.createdAt,
            modifiedAt: bus.modifiedAt,
            settings: bus.settings,
            tags: bus.tags
        )
    }
}

extension EventRouter.Bus {
    /// A bus as the store kept it, before its rules are put back.
    init(_ stored: StoredBus) {
        self.init(name: stored.name, arn: stored.arn, description: stored.description, createdAt: stored.createdAt)
        adopt(stored)
    }

    /// Takes the stored bus's own fields; its rules and matcher stay.
    mutating func adopt(_ stored: StoredBus) {
        description = stored.description
        createdAt = stored.createdAt
        modifiedAt = stored.modifiedAt
        settings = stored.settings
        tags = stored.tags
    }
}
