import EventPatterns
import Logging
import PushBridgeJSON
import Synchronization

/// Event buses, their rules and targets, and the queues behind the targets.
///
/// Every rule of a bus is compiled into one ``RuleMatcher``, so routing an event costs the same whether a
/// bus has one rule or ten thousand; the event is parsed and flattened once, whatever the rule count.
public final class EventRouter: Sendable {
    struct Bus {
        var name: String
        var arn: String
        var description: String?
        var createdAt: Timestamp
        var ruleNames: [String] = []
        var rules: [String: RuleDefinition] = [:]
        var matcher = RuleMatcher<String>()
    }

    struct State {
        var buses: [String: Bus] = [:]
        var queues: [TargetKey: DeliveryQueue] = [:]
    }

    let state = Mutex(State())
    public let account: AccountContext
    public let queueCapacity: Int
    public let patternLimits: PatternLimits
    private let delivererFactory: any TargetDelivererFactory
    let deadLetters: any DeadLetterStore
    private let deadLetterForwarder: (any DeadLetterForwarder)?
    private let workers: DeliveryWorkers
    private let observer: any DeliveryObserver
    /// Stamps ingest times and schedules retries; every queue of this router reads it.
    public let clock: WallClock
    /// What every queue of this router may hold together, in bytes of events.
    public let budget: MemoryBudget
    /// Where buses, rules, targets and accepted events are recorded (nothing is, in memory).
    public let store: any EventStore
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
        state.withLock {
            $0.buses[AccountContext.defaultBusName] = Bus(
                name: AccountContext.defaultBusName,
                arn: account.busArn(AccountContext.defaultBusName),
                createdAt: now
            )
        }
    }

    // MARK: Routing

    /// The (rule, target) pairs an event goes to, each with the input the target receives.
    public func route(_ event: Event) -> [DeliveryMessage] {
        guard let bus = state.withLock({ $0.buses[event.eventBusName] }) else { return [] }
        var messages: [DeliveryMessage] = []
        for ruleName in bus.matcher.matchingRules(for: event.json).sorted() {
            guard let rule = bus.rules[ruleName], rule.state == .enabled else { continue }
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
            routingKey: routingKey ?? target.routingKeySelector?.evaluate(event.json).flatMap(routingKeyText),
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

    /// An accepted event routed to its targets, checked for room, and not queued yet: it is queued by
    /// ``enqueue(_:)`` once its ``storeChange`` is committed.
    public struct PreparedEvent: Sendable {
        public let event: Event
        let messages: [DeliveryMessage]
        let queues: [DeliveryQueue?]

        /// What the store records for it; nil when no target takes it (nothing to keep).
        public var storeChange: StoreChange? {
            guard !messages.isEmpty else { return nil }
            return .accept(
                StoredEvent(id: event.id, busName: event.eventBusName, json: event.jsonText),
                messages: messages.map { StoredMessage(target: $0.target, ingestedAt: event.ingestedAt, routingKey: $0.routingKey) }
            )
        }
    }

    public enum Preparation: Sendable {
        case ready(PreparedEvent)
        case refused(PublishResult)
    }

    /// Routes `event` and checks, all or nothing, that every matching target's queue and the memory budget have
    /// room; nothing is queued yet.
    public func prepare(_ event: Event) -> Preparation {
        guard state.withLock({ $0.buses[event.eventBusName] != nil }) else { return .refused(.unknownBus) }
        let messages = route(event)
        if messages.isEmpty { return .ready(PreparedEvent(event: event, messages: [], queues: [])) }
        let queues = state.withLock { state in messages.map { state.queues[$0.target] } }
        for queue in queues where (queue?.freeCapacity ?? 0) < 1 { return .refused(.throttled) }
        guard budget.canReserve(messages.count * event.estimatedBytes) else { return .refused(.throttled) }
        return .ready(PreparedEvent(event: event, messages: messages, queues: queues))
    }

    /// Queues a prepared event for its targets. A queue that filled up since ``prepare(_:)`` dead-letters its
    /// message, so the event stays where an operator sees it.
    public func enqueue(_ prepared: PreparedEvent) {
        for (message, queue) in zip(prepared.messages, prepared.queues) where queue?.enqueue(message) != true {
            deadLetters.add(
                DeadLetterEntry(
                    id: UUIDText.random(),
                    eventId: prepared.event.id,
                    event: prepared.event.jsonText,
                    target: message.target,
                    ruleArn: message.ruleArn,
                    targetArn: message.targetArn,
                    errorCode: "THROTTLING",
                    errorMessage: "The target's queue was full when the event arrived.",
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

    // MARK: Rules and targets

    /// AWS's default quotas: rules per event bus, and event buses per account (the default bus included).
    public static let maximumRulesPerBus = 300
    public static let maximumBuses = 100

    public func bus(named name: String) -> (name: String, arn: String, description: String?, createdAt: Timestamp)? {
        state.withLock { $0.buses[name].map { ($0.name, $0.arn, $0.description, $0.createdAt) } }
    }

    public func busNames() -> [String] { state.withLock { $0.buses.keys.sorted() } }

    public func createBus(_ name: String, description: String?) throws(AWSServiceError) -> String {
        try state.withLock { (state) throws(AWSServiceError) -> String in
            guard state.buses[name] == nil else { throw .resourceAlreadyExists("Event bus \(name) already exists.") }
            guard state.buses.count < Self.maximumBuses else {
                throw .limitExceeded("The requested resource exceeds the maximum number allowed: at most \(Self.maximumBuses) event buses.")
            }
            let arn = account.busArn(name)
            let bus = Bus(name: name, arn: arn, description: description, createdAt: clock.now())
            state.buses[name] = bus
            record(.putBus(StoredBus(name: name, arn: arn, description: description, createdAt: bus.createdAt)))
            return arn
        }
    }

    public func deleteBus(_ name: String) throws(AWSServiceError) {
        guard name != AccountContext.defaultBusName else { throw .validation("Cannot delete event bus default.") }
        let removed = state.withLock { state in
            let removed = state.buses.removeValue(forKey: name)
            if removed != nil { record(.deleteBus(name: name)) }
            return removed
        }
        for rule in removed?.rules.values ?? [:].values {
            for target in rule.targets { closeQueue(TargetKey(busName: name, ruleName: rule.name, targetId: target.id)) }
        }
    }

    public func rule(_ name: String, bus: String) -> RuleDefinition? {
        state.withLock { $0.buses[bus]?.rules[name] }
    }

    /// Rules of a bus in creation order.
    public func rules(bus: String) throws(AWSServiceError) -> [RuleDefinition] {
        try state.withLock { (state) throws(AWSServiceError) -> [RuleDefinition] in
            guard let bus = state.buses[bus] else { throw .resourceNotFound("Event bus \(bus) does not exist.") }
            return bus.ruleNames.compactMap { bus.rules[$0] }
        }
    }

    /// Creates or updates a rule (PutRule). Targets of an existing rule are kept.
    @discardableResult
    public func putRule(
        name: String,
        bus busName: String,
        eventPattern: String?,
        state ruleState: RuleDefinition.State?,
        description: String?
    ) throws(AWSServiceError) -> RuleDefinition {
        var compiled: EventPattern?
        if let eventPattern {
            do {
                compiled = try EventPattern(json: eventPattern, limits: patternLimits)
            } catch {
                throw .invalidEventPattern(error.message)
            }
        }
        return try state.withLock { (state) throws(AWSServiceError) -> RuleDefinition in
            // Taken out and put back, so changing it does not copy every rule of the bus under the lock.
            guard var bus = state.buses.removeValue(forKey: busName) else { throw .resourceNotFound("Event bus \(busName) does not exist.") }
            defer { state.buses[busName] = bus }
            guard bus.rules[name] != nil || bus.rules.count < Self.maximumRulesPerBus else {
                throw .limitExceeded(
                    "The requested resource exceeds the maximum number allowed: an event bus can have at most \(Self.maximumRulesPerBus) rules."
                )
            }
            var rule =
                bus.rules[name]
                ?? RuleDefinition(name: name, busName: busName, eventPattern: nil, arn: account.ruleArn(name, bus: busName))
            rule.eventPattern = eventPattern
            if let ruleState { rule.state = ruleState }
            rule.description = description
            if bus.rules[name] == nil { bus.ruleNames.append(name) }
            bus.rules[name] = rule
            bus.matcher.remove(name)
            if let compiled { bus.matcher.add(compiled, for: name) }
            record(.putRule(StoredRule(rule)))
            return rule
        }
    }

    public func setRuleState(_ name: String, bus busName: String, to ruleState: RuleDefinition.State) throws(AWSServiceError) {
        try state.withLock { (state) throws(AWSServiceError) in
            guard state.buses[busName]?.rules[name] != nil else { throw .resourceNotFound("Rule \(name) does not exist on EventBus \(busName).") }
            state.buses[busName]!.rules[name]!.state = ruleState
            record(.putRule(StoredRule(state.buses[busName]!.rules[name]!)))
        }
    }

    /// DeleteRule: refused while the rule has targets, as AWS does; an unknown rule is not an error.
    public func deleteRule(_ name: String, bus busName: String) throws(AWSServiceError) {
        try state.withLock { (state) throws(AWSServiceError) in
            guard let rule = state.buses[busName]?.rules[name] else { return }
            guard rule.targets.isEmpty else { throw .validation("Rule can't be deleted since it has targets.") }
            guard var bus = state.buses.removeValue(forKey: busName) else { return }
            bus.rules[name] = nil
            bus.ruleNames.removeAll { $0 == name }
            bus.matcher.remove(name)
            state.buses[busName] = bus
            record(.deleteRule(bus: busName, name: name))
        }
    }

    /// PutTargets: adds or replaces targets; returns the ones refused, with why.
    public func putTargets(
        rule ruleName: String,
        bus busName: String,
        targets: [TargetDefinition]
    ) throws(AWSServiceError) -> [(targetId: String, rejection: TargetRejection)] {
        try installTargets(rule: ruleName, bus: busName, targets: targets, recorded: true)
    }

    /// PutTargets, and recovery, which puts back what the store kept without recording it again.
    func installTargets(
        rule ruleName: String,
        bus busName: String,
        targets: [TargetDefinition],
        recorded: Bool
    ) throws(AWSServiceError) -> [(targetId: String, rejection: TargetRejection)] {
        guard let rule = rule(ruleName, bus: busName) else {
            throw .resourceNotFound("Rule \(ruleName) does not exist on EventBus \(busName).")
        }
        var rejected: [(String, TargetRejection)] = []
        var accepted: [(TargetDefinition, any TargetDeliverer)] = []
        for target in targets {
            if let arn = target.deadLetterArn, deadLetterForwarder?.accepts(arn) != true {
                rejected.append(
                    (
                        target.id,
                        TargetRejection(
                            errorCode: "ValidationException",
                            errorMessage: "Target \(target.id): DeadLetterConfig.Arn must be an SQS queue ARN (arn:aws:sqs:REGION:ACCOUNT:QUEUE)."
                        )
                    )
                )
                continue
            }
            do {
                accepted.append((target, try delivererFactory.deliverer(for: target, rule: rule)))
            } catch {
                rejected.append((target.id, error))
            }
        }
        var newQueues: [DeliveryQueue] = []
        state.withLock { state in
            guard var current = state.buses[busName]?.rules[ruleName] else { return }
            for (target, deliverer) in accepted {
                let key = TargetKey(busName: busName, ruleName: ruleName, targetId: target.id)
                if let index = current.targets.firstIndex(where: { $0.id == target.id }) {
                    current.targets[index] = target
                } else {
                    current.targets.append(target)
                }
                if let queue = state.queues[key] {
                    queue.update(retryPolicy: target.retryPolicy, deliverer: deliverer)
                    queue.update(deadLetterArn: target.deadLetterArn)
                } else {
                    let queue = DeliveryQueue(
                        target: key,
                        capacity: queueCapacity,
                        retryPolicy: target.retryPolicy,
                        deliverer: deliverer,
                        deadLetters: deadLetters,
                        deadLetterForwarder: deadLetterForwarder,
                        observer: observer,
                        clock: clock,
                        budget: budget,
                        store: store,
                        logger: logger
                    )
                    queue.update(deadLetterArn: target.deadLetterArn)
                    state.queues[key] = queue
                    newQueues.append(queue)
                }
                if recorded { record(.putTarget(key, json: target.storedJSON)) }
            }
            state.buses[busName]!.rules[ruleName] = current
        }
        for queue in newQueues { workers.start(queue) }
        return rejected
    }

    /// RemoveTargets: what was still queued for a removed target is dead-lettered, not dropped.
    public func removeTargets(rule ruleName: String, bus busName: String, ids: [String]) throws(AWSServiceError) -> [String] {
        let removed = try state.withLock { (state) throws(AWSServiceError) -> [String] in
            guard var rule = state.buses[busName]?.rules[ruleName] else {
                throw .resourceNotFound("Rule \(ruleName) does not exist on EventBus \(busName).")
            }
            let removed = rule.targets.filter { ids.contains($0.id) }.map(\.id)
            rule.targets.removeAll { ids.contains($0.id) }
            state.buses[busName]!.rules[ruleName] = rule
            for id in removed { record(.deleteTarget(TargetKey(busName: busName, ruleName: ruleName, targetId: id))) }
            return removed
        }
        for id in removed { closeQueue(TargetKey(busName: busName, ruleName: ruleName, targetId: id)) }
        return ids.filter { !removed.contains($0) }
    }

    private func closeQueue(_ key: TargetKey) {
        guard let queue = state.withLock({ $0.queues.removeValue(forKey: key) }) else { return }
        queue.close(reason: .noResource("The target \(key) was removed before this event was delivered."))
    }

    // MARK: Queues

    public func queue(for key: TargetKey) -> DeliveryQueue? { state.withLock { $0.queues[key] } }

    public func queues() -> [DeliveryQueue] {
        state.withLock { $0.queues.values.sorted { $0.target.description < $1.target.description } }
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
        let full = AWSServiceError(code: "ThrottlingException", message: "The target's queue is full.")
        guard queue.freeCapacity > 0 else { throw full }
        if store.isDurable {
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
            state: rule.state.rawValue,
            description: rule.description
        )
    }
}
