import EventPatterns
import Synchronization

/// The cluster's side of the router: another node changed buses, rules or targets in the shared store, and this
/// node brings its memory to the same state without recording anything (the change is committed already).
extension EventRouter {
    /// Buses, rules and targets as a store keeps them.
    public struct ConfigurationSnapshot: Sendable, Equatable {
        public var buses: [StoredBus]
        public var rules: [StoredRule]
        public var targets: [RecoveredTarget]

        public init(buses: [StoredBus], rules: [StoredRule], targets: [RecoveredTarget]) {
            self.buses = buses
            self.rules = rules
            self.targets = targets
        }
    }

    /// What ``reconcile(with:retryDefaults:)`` changed.
    public struct ReconcileSummary: Sendable, Equatable {
        public var busesAdded = 0
        public var busesRemoved = 0
        /// Buses whose description, settings or tags changed.
        public var busesChanged = 0
        public var rulesChanged = 0
        public var rulesRemoved = 0
        public var targetsChanged = 0
        public var targetsRemoved = 0

        public init() {}

        public var isEmpty: Bool { self == ReconcileSummary() }
    }

    /// Makes buses, rules and targets what `snapshot` holds: adds and updates what differs, removes what it
    /// lacks (a removed target's queue closes, dead-lettering what this node still held for it, as RemoveTargets
    /// does on the node that took the call). Nothing is recorded; what already matches is left alone, so a
    /// snapshot equal to memory costs only the comparison.
    @discardableResult
    public func reconcile(with snapshot: ConfigurationSnapshot, retryDefaults: RetryPolicy) -> ReconcileSummary {
        var summary = ReconcileSummary()
        let current = configurationSnapshot()
        let wantedBuses = Set(snapshot.buses.map(\.name))
        let currentBuses = Set(current.buses.map(\.name))
        var recovery = RecoverySummary()

        let newBuses = snapshot.buses.filter { !currentBuses.contains($0.name) }
        restoreBuses(newBuses, summary: &recovery)
        summary.busesAdded = newBuses.count
        let currentByName = Dictionary(current.buses.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let changedBuses = snapshot.buses.filter { wanted in currentByName[wanted.name].map { $0 != wanted } ?? false }
        restoreBuses(changedBuses, summary: &recovery)
        summary.busesChanged = changedBuses.count
        for name in currentBuses.subtracting(wantedBuses) where name != AccountContext.defaultBusName {
            removeBusWithoutRecording(name)
            summary.busesRemoved += 1
        }

        let currentRules = Dictionary(current.rules.map { ("\($0.busName)/\($0.name)", $0) }, uniquingKeysWith: { first, _ in first })
        let changedRules = snapshot.rules.filter { currentRules["\($0.busName)/\($0.name)"] != $0 }
        restoreRules(changedRules, summary: &recovery)
        summary.rulesChanged = changedRules.count
        let wantedRules = Set(snapshot.rules.map { "\($0.busName)/\($0.name)" })
        for rule in current.rules where wantedBuses.contains(rule.busName) && !wantedRules.contains("\(rule.busName)/\(rule.name)") {
            removeRuleWithoutRecording(rule.name, bus: rule.busName)
            summary.rulesRemoved += 1
        }
        if summary.rulesRemoved > 0 || summary.busesRemoved > 0 { scheduleChanges.signal() }

        let currentTargets = Dictionary(current.targets.map { ($0.key, $0.json) }, uniquingKeysWith: { first, _ in first })
        let changedTargets = snapshot.targets.filter { currentTargets[$0.key] != $0.json }
        restoreTargets(changedTargets, retryDefaults: retryDefaults, summary: &recovery)
        summary.targetsChanged = changedTargets.count
        let wantedTargets = Set(snapshot.targets.map(\.key))
        for target in current.targets where !wantedTargets.contains(target.key) {
            let ruleKey = "\(target.key.busName)/\(target.key.ruleName)"
            // Targets of a removed rule or bus went with it above.
            guard wantedRules.contains(ruleKey) else { continue }
            removeTargetWithoutRecording(target.key)
            summary.targetsRemoved += 1
        }
        return summary
    }

    /// What memory holds now, in the store's shapes (targets as their stored JSON).
    public func configurationSnapshot() -> ConfigurationSnapshot {
        buses.withLock { buses in
            var snapshot = ConfigurationSnapshot(buses: [], rules: [], targets: [])
            for bus in buses.values.sorted(by: { $0.createdAt < $1.createdAt || ($0.createdAt == $1.createdAt && $0.name < $1.name) }) {
                snapshot.buses.append(StoredBus(bus))
                for name in bus.ruleNames {
                    guard let rule = bus.rules[name] else { continue }
                    snapshot.rules.append(StoredRule(rule))
                    for target in rule.targets {
                        let key = TargetKey(busName: bus.name, ruleName: name, targetId: target.id)
                        snapshot.targets.append(RecoveredTarget(key: key, json: target.storedJSON))
                    }
                }
            }
            return snapshot
        }
    }

    private func removeBusWithoutRecording(_ name: String) {
        guard let removed = buses.withLock({ $0.removeValue(forKey: name) }) else { return }
        for rule in removed.rules.values {
            for target in rule.targets { closeQueue(TargetKey(busName: name, ruleName: rule.name, targetId: target.id)) }
        }
    }

    private func removeRuleWithoutRecording(_ name: String, bus busName: String) {
        let removed: RuleDefinition? = buses.withLock { buses in
            guard var bus = buses.removeValue(forKey: busName) else { return nil }
            defer { buses[busName] = bus }
            let rule = bus.rules.removeValue(forKey: name)
            bus.ruleNames.removeAll { $0 == name }
            bus.matcher.remove(name)
            return rule
        }
        for target in removed?.targets ?? [] { closeQueue(TargetKey(busName: busName, ruleName: name, targetId: target.id)) }
    }

    private func removeTargetWithoutRecording(_ key: TargetKey) {
        buses.withLock { buses in
            buses[key.busName]?.rules[key.ruleName]?.targets.removeAll { $0.id == key.targetId }
        }
        closeQueue(key)
    }
}
