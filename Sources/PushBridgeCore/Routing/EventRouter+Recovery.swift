import EventPatterns
import Logging
import PushBridgeJSON
import Synchronization

extension EventRouter {
    /// What ``restore(_:retryDefaults:)`` put back, for the start-up log line.
    public struct RecoverySummary: Sendable, Equatable {
        public var buses = 0
        public var rules = 0
        public var targets = 0
        public var messages = 0
        public var waitingForRetry = 0
        /// Messages whose target is gone (or was refused this time): dead-lettered, not dropped.
        public var deadLettered = 0
        /// Targets the store kept that this start refused (an ARN the outbound policy now denies, for example).
        public var refusedTargets: [String] = []
    }

    /// Puts back the buses, rules, targets and queued messages a store kept, without recording them again.
    /// Messages keep their attempts, retry times and ingest times; one that was being delivered when the process
    /// stopped is ready again (at-least-once).
    public func restore(_ recovered: RecoveredState, retryDefaults: RetryPolicy) -> RecoverySummary {
        var summary = RecoverySummary()
        restoreBuses(recovered.buses, summary: &summary)
        restoreRules(recovered.rules, summary: &summary)
        restoreTargets(recovered.targets, retryDefaults: retryDefaults, summary: &summary)
        restoreMessages(recovered.messages, summary: &summary)
        return summary
    }

    func restoreBuses(_ buses: [StoredBus], summary: inout RecoverySummary) {
        self.buses.withLock { known in
            for stored in buses {
                if known[stored.name] == nil {
                    known[stored.name] = Bus(stored)
                    summary.buses += 1
                } else {
                    // The default bus exists from the start; the store has it once it was tagged or updated.
                    known[stored.name]?.adopt(stored)
                }
            }
        }
    }

    func restoreRules(_ rules: [StoredRule], summary: inout RecoverySummary) {
        for stored in rules {
            // A pattern that no longer compiles (a limit lowered since) leaves the rule without matches, and says so.
            var compiled: EventPattern?
            if let pattern = stored.eventPattern {
                do {
                    compiled = try EventPattern(json: pattern, limits: patternLimits)
                } catch {
                    logger.error(
                        "A stored rule's event pattern is refused; the rule matches nothing until PutRule replaces it",
                        metadata: ["pb.rule": "\(stored.busName)/\(stored.name)", "pb.reason": "\(error.message)"]
                    )
                }
            }
            let restored = buses.withLock { buses -> Bool in
                guard var bus = buses.removeValue(forKey: stored.busName) else { return false }
                defer { buses[stored.busName] = bus }
                let rule = RuleDefinition(
                    name: stored.name,
                    busName: stored.busName,
                    eventPattern: stored.eventPattern,
                    scheduleExpression: stored.scheduleExpression,
                    state: RuleDefinition.State(rawValue: stored.state) ?? .enabled,
                    description: stored.description,
                    roleArn: stored.roleArn,
                    tags: stored.tags,
                    arn: stored.arn,
                    targets: bus.rules[stored.name]?.targets ?? []
                )
                if bus.rules[stored.name] == nil { bus.ruleNames.append(stored.name) }
                bus.rules[stored.name] = rule
                bus.matcher.remove(stored.name)
                if let compiled { bus.matcher.add(compiled, for: stored.name) }
                return true
            }
            if restored { summary.rules += 1 }
        }
        if !rules.isEmpty { scheduleChanges.signal() }
    }

    func restoreTargets(_ targets: [RecoveredTarget], retryDefaults: RetryPolicy, summary: inout RecoverySummary) {
        for stored in targets {
            let refusal: String
            do {
                let definition = try TargetDefinition(json: try JSONParser.parse(stored.json), retryDefaults: retryDefaults)
                let rejected = try installTargets(rule: stored.key.ruleName, bus: stored.key.busName, targets: [definition], recorded: false)
                guard let rejection = rejected.first?.rejection else {
                    summary.targets += 1
                    continue
                }
                refusal = rejection.errorMessage
            } catch let error as AWSServiceError {
                refusal = error.message
            } catch {
                refusal = "its stored definition is not valid JSON (\(error))"
            }
            summary.refusedTargets.append(stored.key.description)
            logger.error(
                "A stored target is refused at start; its queued messages go to the DLQ",
                metadata: ["pb.target": "\(stored.key)", "pb.reason": "\(refusal)"]
            )
        }
    }

    private func restoreMessages(_ messages: [RecoveredMessage], summary: inout RecoverySummary) {
        // Messages of one event are recovered next to each other; the event is parsed once for them.
        var lastEvent: (stored: StoredEvent, ingestedAt: Timestamp, event: Event?)?
        // Room made once per queue, not grown a million times.
        var counts: [TargetKey: (ready: Int, waiting: Int)] = [:]
        for recovered in messages {
            if recovered.dueAt == nil {
                counts[recovered.message.target, default: (0, 0)].ready += 1
            } else {
                counts[recovered.message.target, default: (0, 0)].waiting += 1
            }
        }
        for (key, count) in counts { queue(for: key)?.reserveCapacity(ready: count.ready, waiting: count.waiting) }
        for recovered in messages {
            let key = recovered.message.target
            let event: Event?
            if let last = lastEvent, last.stored.id == recovered.event.id, last.ingestedAt == recovered.message.ingestedAt {
                event = last.event
            } else {
                event = (try? JSONParser.parse(recovered.event.json)).flatMap {
                    Event(json: $0, eventBusName: recovered.event.busName, ingestedAt: recovered.message.ingestedAt)
                }
                lastEvent = (recovered.event, recovered.message.ingestedAt, event)
            }
            guard let event, let rule = rule(key.ruleName, bus: key.busName), let target = rule.targets.first(where: { $0.id == key.targetId }),
                let queue = queue(for: key)
            else {
                deadLetterUnrecoverable(recovered, parsed: event != nil)
                summary.deadLettered += 1
                continue
            }
            let message = Self.message(for: event, rule: rule, target: target, routingKey: .some(recovered.message.routingKey))
            queue.restore(message, attempts: recovered.attempts, dueAt: recovered.dueAt)
            summary.messages += 1
            if recovered.dueAt != nil { summary.waitingForRetry += 1 }
        }
    }

    private func deadLetterUnrecoverable(_ recovered: RecoveredMessage, parsed: Bool) {
        let key = recovered.message.target
        let failure: DeliveryFailure =
            parsed
            ? .noResource("Recovered at start but cannot be delivered: its target \(key) no longer exists.")
            : .invalidParameter("Recovered at start but cannot be delivered: its stored event is not valid JSON.")
        deadLetters.add(
            DeadLetterEntry(
                id: UUIDText.random(),
                eventId: recovered.event.id,
                event: recovered.event.json,
                target: key,
                ruleArn: account.ruleArn(key.ruleName, bus: key.busName),
                targetArn: "",
                errorCode: failure.code,
                errorMessage: failure.message,
                exhaustedRetryCondition: nil,
                retryAttempts: max(0, recovered.attempts.count - 1),
                attempts: recovered.attempts,
                ingestedAt: recovered.message.ingestedAt,
                firstAttemptAt: recovered.attempts.first?.startedAt,
                lastAttemptAt: recovered.attempts.last?.startedAt,
                deadLetteredAt: clock.now()
            )
        )
    }
}
