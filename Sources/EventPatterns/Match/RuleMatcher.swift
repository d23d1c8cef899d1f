import PushBridgeJSON

/// Many rules compiled into one structure, answering "which rules match this event?" without looping over
/// the rules (event-ruler's design: cost follows the event's fields and the distinct paths in rules).
///
/// Layout:
/// - every distinct ``FieldCondition`` is interned once, with a reference count, and its value tests are
///   entered into the ``FieldIndex`` of its path;
/// - a sub-rule (one `$or` branch of a rule) lists its leaf-requiring conditions and its conditions that
///   allow absence (`exists: false` in the array).
///
/// Matching: each event leaf is looked up in the index of its path, giving the conditions it satisfies;
/// each satisfied condition bumps a counter on the sub-rules that require it, and a sub-rule whose counter
/// reaches its number of required conditions is a candidate. Candidates are confirmed by checking their
/// absence-allowing conditions against the event's paths and by array consistency. Sub-rules with no
/// required condition at all (only `exists: false`-style fields) match unless the event has one of their
/// paths, so only those "touched" by the event are examined.
///
/// `add` with a rule id that is already present adds more branches to it (the rule matches if any of its
/// patterns does, like Ruler's `addRule` with the same name); call ``remove(_:)`` first to replace.
public struct RuleMatcher<RuleID: Hashable & Sendable>: Sendable {
    private struct ConditionRecord: Sendable {
        let condition: FieldCondition
        var references: Int
        /// Sub-rules that count this condition among their required ones.
        var requiringSubRules: [Int32]
    }

    private struct SubRuleRecord: Sendable {
        let rule: RuleID
        let required: [Int32]
        let optional: [Int32]
    }

    private var conditions: [ConditionRecord?] = []
    private var freeConditions: [Int32] = []
    private var conditionIDs: [FieldCondition: Int32] = [:]
    private var indexes: [[UInt8]: FieldIndex] = [:]
    private var subRules: [SubRuleRecord?] = []
    private var freeSubRules: [Int32] = []
    private var rules: [RuleID: [Int32]] = [:]
    /// Sub-rules with no required condition.
    private var unanchored: Set<Int32> = []
    /// Paths of unanchored sub-rules → those sub-rules, to find the ones an event touches.
    private var unanchoredByPath: [[UInt8]: [Int32]] = [:]

    public init() {}

    /// The number of rules held.
    public var count: Int { rules.count }
    public var isEmpty: Bool { rules.isEmpty }
    public var ruleIDs: [RuleID] { Array(rules.keys) }
    public func contains(_ rule: RuleID) -> Bool { rules[rule] != nil }

    public mutating func add(_ pattern: EventPattern, for rule: RuleID) {
        add(subRules: pattern.subRules, for: rule)
    }

    mutating func add(subRules newSubRules: [SubRule], for rule: RuleID) {
        for subRule in newSubRules {
            var required: [Int32] = []
            var optional: [Int32] = []
            for condition in subRule.conditions {
                let id = intern(condition)
                if condition.requiresLeaf { required.append(id) } else { optional.append(id) }
            }
            let record = SubRuleRecord(rule: rule, required: required, optional: optional)
            let subRuleID: Int32
            if let reused = freeSubRules.popLast() {
                subRuleID = reused
                subRules[Int(reused)] = record
            } else {
                subRuleID = Int32(subRules.count)
                subRules.append(record)
            }
            for id in required { conditions[Int(id)]!.requiringSubRules.append(subRuleID) }
            if required.isEmpty {
                unanchored.insert(subRuleID)
                for id in optional { unanchoredByPath[conditions[Int(id)]!.condition.path, default: []].append(subRuleID) }
            }
            rules[rule, default: []].append(subRuleID)
        }
    }

    public mutating func remove(_ rule: RuleID) {
        guard let ids = rules.removeValue(forKey: rule) else { return }
        for subRuleID in ids {
            guard let record = subRules[Int(subRuleID)] else { continue }
            for id in record.required {
                conditions[Int(id)]!.requiringSubRules.removeAll { $0 == subRuleID }
            }
            if record.required.isEmpty {
                unanchored.remove(subRuleID)
                for id in record.optional {
                    let path = conditions[Int(id)]!.condition.path
                    unanchoredByPath[path]?.removeAll { $0 == subRuleID }
                    if unanchoredByPath[path]?.isEmpty == true { unanchoredByPath[path] = nil }
                }
            }
            for id in record.required + record.optional { release(id) }
            subRules[Int(subRuleID)] = nil
            freeSubRules.append(subRuleID)
        }
    }

    public func matchingRules(for event: JSONValue) -> Set<RuleID> { matchingRules(for: FlattenedEvent(event)) }

    public func matchingRules(for event: FlattenedEvent) -> Set<RuleID> {
        var result = Set<RuleID>()
        guard !rules.isEmpty else { return result }
        // Condition id → event leaves satisfying it, in leaf order without repeats.
        var satisfied: [Int32: [Int32]] = [:]
        for (path, leafIndices) in event.fields {
            guard let index = indexes[path] else { continue }
            for leafIndex in leafIndices {
                index.forEachMatch(of: event.leaves[Int(leafIndex)].value) { id in
                    if satisfied[id]?.last != leafIndex { satisfied[id, default: []].append(leafIndex) }
                }
            }
        }
        var counters: [Int32: Int] = [:]
        for id in satisfied.keys {
            for subRuleID in conditions[Int(id)]!.requiringSubRules { counters[subRuleID, default: 0] += 1 }
        }
        for (subRuleID, hits) in counters {
            let record = subRules[Int(subRuleID)]!
            guard hits == record.required.count, !result.contains(record.rule) else { continue }
            if confirm(record, event: event, satisfied: satisfied) { result.insert(record.rule) }
        }
        if !unanchored.isEmpty {
            var touched = Set<Int32>()
            for path in event.fields.keys {
                if let ids = unanchoredByPath[path] { touched.formUnion(ids) }
            }
            for subRuleID in unanchored {
                let record = subRules[Int(subRuleID)]!
                guard !result.contains(record.rule) else { continue }
                if !touched.contains(subRuleID) || confirm(record, event: event, satisfied: satisfied) {
                    result.insert(record.rule)
                }
            }
        }
        return result
    }

    /// Checks what counting cannot: absence-allowing conditions, and array consistency across fields.
    private func confirm(_ record: SubRuleRecord, event: FlattenedEvent, satisfied: [Int32: [Int32]]) -> Bool {
        var candidates: [[Int32]] = []
        candidates.reserveCapacity(record.required.count + record.optional.count)
        for id in record.required { candidates.append(satisfied[id]!) }
        for id in record.optional {
            let condition = conditions[Int(id)]!.condition
            guard event.fields[condition.path] != nil else { continue }  // absent: satisfied
            guard let leaves = satisfied[id] else { return false }
            candidates.append(leaves)
        }
        guard event.hasArrays, candidates.count > 1 else { return true }
        return ArrayConsistency.hasConsistentChoice(candidates, in: event)
    }

    private mutating func intern(_ condition: FieldCondition) -> Int32 {
        if let id = conditionIDs[condition] {
            conditions[Int(id)]!.references += 1
            return id
        }
        let record = ConditionRecord(condition: condition, references: 1, requiringSubRules: [])
        let id: Int32
        if let reused = freeConditions.popLast() {
            id = reused
            conditions[Int(id)] = record
        } else {
            id = Int32(conditions.count)
            conditions.append(record)
        }
        conditionIDs[condition] = id
        for matcher in condition.matchers { indexes[condition.path, default: FieldIndex()].insert(matcher, id: id) }
        return id
    }

    private mutating func release(_ id: Int32) {
        conditions[Int(id)]!.references -= 1
        guard let record = conditions[Int(id)], record.references == 0 else { return }
        let condition = record.condition
        for matcher in condition.matchers { indexes[condition.path]?.remove(matcher, id: id) }
        if indexes[condition.path]?.entryCount == 0 { indexes[condition.path] = nil }
        conditionIDs[condition] = nil
        conditions[Int(id)] = nil
        freeConditions.append(id)
    }
}
