import EventPatterns
import Synchronization

/// The Events API's side of the router: event buses, rules and targets (creating a target's queue, closing it
/// when the target goes). Every change is recorded in the router's ``EventStore``.
extension EventRouter {
    // MARK: Rules and targets

    /// AWS's default quotas: rules per event bus, and event buses per account (the default bus included).
    public static let maximumRulesPerBus = 300
    public static let maximumBuses = 100

    /// A bus with everything it keeps (its rules aside).
    public func bus(named name: String) -> StoredBus? {
        buses.withLock { $0[name].map(StoredBus.init) }
    }

    public func busNames() -> [String] { buses.withLock { $0.keys.sorted() } }

    public func createBus(
        _ name: String,
        description: String?,
        settings: BusSettings = BusSettings(),
        tags: [ResourceTag] = []
    ) throws(AWSServiceError) -> String {
        let tags = try Self.checkedTags(ResourceTag.merging([], with: tags))
        return try buses.withLock { (buses) throws(AWSServiceError) -> String in
            guard buses[name] == nil else { throw .resourceAlreadyExists("Event bus \(name) already exists.") }
            guard buses.count < Self.maximumBuses else {
                throw .limitExceeded("The requested resource exceeds the maximum number allowed: at most \(Self.maximumBuses) event buses.")
            }
            let arn = account.busArn(name)
            let bus = Bus(name: name, arn: arn, description: description, createdAt: clock.now(), settings: settings, tags: tags)
            buses[name] = bus
            record(.putBus(StoredBus(bus)))
            return arn
        }
    }

    /// UpdateEventBus: the description and settings become what is given (tags stay); returns the bus as updated.
    public func updateBus(_ name: String, description: String?, settings: BusSettings) throws(AWSServiceError) -> StoredBus {
        try buses.withLock { (buses) throws(AWSServiceError) -> StoredBus in
            guard var bus = buses.removeValue(forKey: name) else { throw .resourceNotFound("Event bus \(name) does not exist.") }
            defer { buses[name] = bus }
            bus.description = description
            bus.settings = settings
            bus.modifiedAt = clock.now()
            let stored = StoredBus(bus)
            record(.putBus(stored))
            return stored
        }
    }

    public func deleteBus(_ name: String) throws(AWSServiceError) {
        guard name != AccountContext.defaultBusName else { throw .validation("Cannot delete event bus default.") }
        let removed = buses.withLock { buses in
            let removed = buses.removeValue(forKey: name)
            if removed != nil { record(.deleteBus(name: name)) }
            return removed
        }
        for rule in removed?.rules.values ?? [:].values {
            for target in rule.targets { closeQueue(TargetKey(busName: name, ruleName: rule.name, targetId: target.id)) }
        }
    }

    public func rule(_ name: String, bus: String) -> RuleDefinition? {
        buses.withLock { $0[bus]?.rules[name] }
    }

    /// Rules of a bus in creation order.
    public func rules(bus: String) throws(AWSServiceError) -> [RuleDefinition] {
        try buses.withLock { (buses) throws(AWSServiceError) -> [RuleDefinition] in
            guard let bus = buses[bus] else { throw .resourceNotFound("Event bus \(bus) does not exist.") }
            return bus.ruleNames.compactMap { bus.rules[$0] }
        }
    }

    /// Creates or updates a rule (PutRule). Targets of an existing rule are kept.
    @discardableResult
    public func putRule(
        name: String,
        bus busName: String,
        eventPattern: String?,
        scheduleExpression: String? = nil,
        state ruleState: RuleDefinition.State?,
        description: String?,
        roleArn: String? = nil,
        tags: [ResourceTag] = []
    ) throws(AWSServiceError) -> RuleDefinition {
        // The Events API refuses a rule with neither a pattern nor a schedule; here such a rule matches nothing.
        if let scheduleExpression {
            guard ScheduleExpression(scheduleExpression) != nil else { throw .validation(ScheduleExpression.invalidMessage) }
            guard busName == AccountContext.defaultBusName else {
                throw .validation("ScheduleExpression is supported only on the default event bus.")
            }
        }
        var compiled: EventPattern?
        if let eventPattern {
            do {
                compiled = try EventPattern(json: eventPattern, limits: patternLimits)
            } catch {
                throw .invalidEventPattern(error.message)
            }
        }
        return try buses.withLock { (buses) throws(AWSServiceError) -> RuleDefinition in
            // Taken out and put back, so changing it does not copy every rule of the bus under the lock.
            guard var bus = buses.removeValue(forKey: busName) else { throw .resourceNotFound("Event bus \(busName) does not exist.") }
            defer { buses[busName] = bus }
            guard bus.rules[name] != nil || bus.rules.count < Self.maximumRulesPerBus else {
                throw .limitExceeded(
                    "The requested resource exceeds the maximum number allowed: an event bus can have at most \(Self.maximumRulesPerBus) rules."
                )
            }
            var rule: RuleDefinition
            if let existing = bus.rules[name] {
                rule = existing
            } else {
                // Tags are taken when the rule is created only: AWS ignores PutRule's tags on an existing rule.
                let tags = try Self.checkedTags(ResourceTag.merging([], with: tags))
                rule = RuleDefinition(name: name, busName: busName, eventPattern: nil, tags: tags, arn: account.ruleArn(name, bus: busName))
            }
            rule.eventPattern = eventPattern
            rule.scheduleExpression = scheduleExpression
            if let ruleState { rule.state = ruleState }
            rule.description = description
            rule.roleArn = roleArn
            if bus.rules[name] == nil { bus.ruleNames.append(name) }
            bus.rules[name] = rule
            bus.matcher.remove(name)
            if let compiled { bus.matcher.add(compiled, for: name) }
            record(.putRule(StoredRule(rule)))
            scheduleChanges.signal()
            return rule
        }
    }

    public func setRuleState(_ name: String, bus busName: String, to ruleState: RuleDefinition.State) throws(AWSServiceError) {
        try buses.withLock { (buses) throws(AWSServiceError) in
            guard buses[busName]?.rules[name] != nil else { throw .resourceNotFound("Rule \(name) does not exist on EventBus \(busName).") }
            buses[busName]!.rules[name]!.state = ruleState
            record(.putRule(StoredRule(buses[busName]!.rules[name]!)))
            scheduleChanges.signal()
        }
    }

    /// DeleteRule: refused while the rule has targets, as AWS does; an unknown rule is not an error.
    public func deleteRule(_ name: String, bus busName: String) throws(AWSServiceError) {
        try buses.withLock { (buses) throws(AWSServiceError) in
            guard let rule = buses[busName]?.rules[name] else { return }
            guard rule.targets.isEmpty else { throw .validation("Rule can't be deleted since it has targets.") }
            guard var bus = buses.removeValue(forKey: busName) else { return }
            bus.rules[name] = nil
            bus.ruleNames.removeAll { $0 == name }
            bus.matcher.remove(name)
            buses[busName] = bus
            record(.deleteRule(bus: busName, name: name))
            scheduleChanges.signal()
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
        buses.withLock { buses in
            guard var current = buses[busName]?.rules[ruleName] else { return }
            for (target, deliverer) in accepted {
                let key = TargetKey(busName: busName, ruleName: ruleName, targetId: target.id)
                if let index = current.targets.firstIndex(where: { $0.id == target.id }) {
                    current.targets[index] = target
                } else {
                    current.targets.append(target)
                }
                if let queue = targetQueues.withLock({ $0[key] }) {
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
                    targetQueues.withLock { $0[key] = queue }
                    newQueues.append(queue)
                }
                if recorded { record(.putTarget(key, json: target.storedJSON)) }
            }
            buses[busName]!.rules[ruleName] = current
        }
        for queue in newQueues { workers.start(queue) }
        return rejected
    }

    /// RemoveTargets: what was still queued for a removed target is dead-lettered, not dropped.
    public func removeTargets(rule ruleName: String, bus busName: String, ids: [String]) throws(AWSServiceError) -> [String] {
        let removed = try buses.withLock { (buses) throws(AWSServiceError) -> [String] in
            guard var rule = buses[busName]?.rules[ruleName] else {
                throw .resourceNotFound("Rule \(ruleName) does not exist on EventBus \(busName).")
            }
            let removed = rule.targets.filter { ids.contains($0.id) }.map(\.id)
            rule.targets.removeAll { ids.contains($0.id) }
            buses[busName]!.rules[ruleName] = rule
            for id in removed { record(.deleteTarget(TargetKey(busName: busName, ruleName: ruleName, targetId: id))) }
            return removed
        }
        for id in removed { closeQueue(TargetKey(busName: busName, ruleName: ruleName, targetId: id)) }
        return ids.filter { !removed.contains($0) }
    }

    func closeQueue(_ key: TargetKey) {
        guard let queue = targetQueues.withLock({ $0.removeValue(forKey: key) }) else { return }
        queue.close(reason: .noResource("The target \(key) was removed before this event was delivered."))
        observer.targetRemoved(key)
    }
}
