/// Many rules compiled into one structure, answering "which rules match this event?" without looping over
/// the rules: the cost follows the event's fields and the rules the event could plausibly match, not the
/// number of rules held (event-ruler's goal, reached here with an anchor index rather than its automaton).
///
/// Layout:
/// - every distinct ``FieldCondition`` is interned once, with a reference count;
/// - each sub-rule (one `$or` branch of a rule) picks one of its leaf-requiring conditions as its *anchor*:
///   the one expected to produce the fewest candidates per event (see ``Selectivity``). Only anchors enter
///   the ``FieldIndex`` of their path, so broad conditions shared by thousands of rules (`source`,
///   `detail-type`, `anything-but`, numeric ranges) are neither indexed nor counted per event unless some
///   sub-rule has nothing better to anchor on.
///
/// Matching: each event leaf is looked up in the index of its path, giving the anchors it satisfies; every
/// sub-rule on a satisfied anchor is a candidate and is confirmed by evaluating its other conditions
/// against the event's leaves at their paths (memoised per event, since candidates share conditions) and
/// by array consistency. Sub-rules with no leaf-requiring condition (only `exists: false`-style fields)
/// match unless the event has one of their paths, so only those "touched" by the event are examined.
///
/// Rules are numbered slots here; ``RuleMatcher`` maps them to its callers' rule ids, which keeps this hot
/// code free of generics (unspecialised generic code paid for metadata lookups and copies on every event).
struct AnchorIndex: Sendable {
    /// The immutable part of an interned condition. A class so that reading it while matching costs one
    /// retain instead of one per array inside it; being immutable, sharing it keeps value semantics.
    private final class ConditionInfo: Sendable {
        let condition: FieldCondition
        let path: ByteKey
        let selectivity: Selectivity

        init(_ condition: FieldCondition) {
            self.condition = condition
            self.path = ByteKey(condition.path)
            self.selectivity = Selectivity(condition)
        }
    }

    private struct ConditionRecord: Sendable {
        let info: ConditionInfo
        var references: Int
        /// Sub-rules anchored on this condition; the condition is in the index exactly when this is non-empty.
        var anchoredSubRules: [Int32]
    }

    /// Immutable, and a class for the same reason as ``ConditionInfo``: candidates are read on every event.
    private final class SubRuleRecord: Sendable {
        let rule: Int32
        let anchor: Int32?
        /// Leaf-requiring conditions other than the anchor.
        let required: [Int32]
        /// Conditions that also accept an absent field.
        let optional: [Int32]

        init(rule: Int32, anchor: Int32?, required: [Int32], optional: [Int32]) {
            self.rule = rule
            self.anchor = anchor
            self.required = required
            self.optional = optional
        }
    }

    private var conditions = SlotTable<ConditionRecord>()
    private var conditionIDs: [FieldCondition: Int32] = [:]
    private var indexes: [ByteKey: FieldIndex] = [:]
    private var subRules = SlotTable<SubRuleRecord>()
    /// Rule slot → its sub-rules.
    private var rules: [Int32: [Int32]] = [:]
    /// Sub-rules with no required condition.
    private var unanchored: Set<Int32> = []
    /// Paths of unanchored sub-rules → those sub-rules, to find the ones an event touches.
    private var unanchoredByPath: [ByteKey: [Int32]] = [:]
    private var liveSubRules = 0
    /// The paths the interned conditions read: events are flattened only there.
    private(set) var pathFilter = PathFilter()
    /// Anchors are chosen from how widely conditions are shared *so far*; the first rules of a bus see
    /// little sharing, so all anchors are chosen again each time the number of sub-rules doubles.
    private var nextReanchoring = 64

    mutating func add(subRules newSubRules: [SubRule], for rule: Int32) {
        for subRule in newSubRules {
            var required: [Int32] = []
            var optional: [Int32] = []
            for condition in subRule.conditions {
                let id = intern(condition)
                if condition.requiresLeaf { required.append(id) } else { optional.append(id) }
            }
            let anchor = chooseAnchor(among: required)
            if let anchor { required.removeAll { $0 == anchor } }
            let record = SubRuleRecord(rule: rule, anchor: anchor, required: required, optional: optional)
            let subRuleID = subRules.insert(record)
            if let anchor {
                anchorSubRule(subRuleID, on: anchor)
            } else {
                unanchored.insert(subRuleID)
                for id in optional { unanchoredByPath[conditions[id]!.info.path, default: []].append(subRuleID) }
            }
            rules[rule, default: []].append(subRuleID)
        }
        liveSubRules += newSubRules.count
        if liveSubRules >= nextReanchoring {
            reanchorAll()
            nextReanchoring = liveSubRules * 2
        }
    }

    mutating func remove(_ rule: Int32) {
        guard let ids = rules.removeValue(forKey: rule) else { return }
        for subRuleID in ids {
            guard let record = subRules[subRuleID] else { continue }
            if let anchor = record.anchor {
                unanchorSubRule(subRuleID, from: anchor)
                release(anchor)
            } else {
                unanchored.remove(subRuleID)
                for id in record.optional {
                    let path = conditions[id]!.info.path
                    unanchoredByPath[path]?.removeAll { $0 == subRuleID }
                    if unanchoredByPath[path]?.isEmpty == true { unanchoredByPath[path] = nil }
                }
            }
            for id in record.required { release(id) }
            for id in record.optional { release(id) }
            subRules.remove(subRuleID)
            liveSubRules -= 1
        }
    }

    /// Moves every sub-rule to the anchor that is cheapest with today's sharing counts.
    private mutating func reanchorAll() {
        for subRuleID in subRules.ids {
            guard let record = subRules[subRuleID], let anchor = record.anchor else { continue }
            let choices = [anchor] + record.required
            guard let best = chooseAnchor(among: choices), best != anchor else { continue }
            unanchorSubRule(subRuleID, from: anchor)
            anchorSubRule(subRuleID, on: best)
            subRules[subRuleID] = SubRuleRecord(
                rule: record.rule,
                anchor: best,
                required: choices.filter { $0 != best },
                optional: record.optional
            )
        }
    }

    /// The slots of the rules matching `event`.
    func matchingRules(for event: FlattenedEvent) -> Set<Int32> {
        var result = Set<Int32>()
        guard !rules.isEmpty else { return result }
        var evaluation = Evaluation()
        for (path, leafIndices) in event.fields {
            guard let index = indexes[path] else { continue }
            for leafIndex in leafIndices {
                index.forEachMatch(of: event.leaves[Int(leafIndex)].value) { id in
                    evaluation.record(anchor: id, leaf: leafIndex)
                }
            }
        }
        for anchor in evaluation.satisfiedAnchors {
            for subRuleID in conditions[anchor]!.anchoredSubRules {
                let record = subRules[subRuleID]!
                guard !result.contains(record.rule) else { continue }
                if confirm(record, event: event, evaluation: &evaluation) { result.insert(record.rule) }
            }
        }
        if !unanchored.isEmpty {
            var touched = Set<Int32>()
            for path in event.fields.keys {
                if let ids = unanchoredByPath[path] { touched.formUnion(ids) }
            }
            for subRuleID in unanchored {
                let record = subRules[subRuleID]!
                guard !result.contains(record.rule) else { continue }
                if !touched.contains(subRuleID) || confirm(record, event: event, evaluation: &evaluation) {
                    result.insert(record.rule)
                }
            }
        }
        return result
    }

    /// Checks a candidate's conditions besides its anchor, then array consistency across its fields.
    private func confirm(_ record: SubRuleRecord, event: FlattenedEvent, evaluation: inout Evaluation) -> Bool {
        var candidates: [[Int32]] = []
        if event.hasArrays { candidates.reserveCapacity(1 + record.required.count + record.optional.count) }
        if let anchor = record.anchor, event.hasArrays { candidates.append(evaluation.leaves(satisfying: anchor)) }
        for id in record.required {
            let leaves = leaves(satisfying: id, event: event, evaluation: &evaluation)
            guard !leaves.isEmpty else { return false }
            if event.hasArrays { candidates.append(leaves) }
        }
        for id in record.optional {
            guard event.fields[conditions[id]!.info.path] != nil else { continue }  // absent: satisfied
            let leaves = leaves(satisfying: id, event: event, evaluation: &evaluation)
            guard !leaves.isEmpty else { return false }
            if event.hasArrays { candidates.append(leaves) }
        }
        guard candidates.count > 1 else { return true }
        return ArrayConsistency.hasConsistentChoice(candidates, in: event)
    }

    /// The event leaves satisfying a condition, in leaf order: from the index pass for anchors, otherwise
    /// evaluated once per event at the condition's path.
    private func leaves(satisfying id: Int32, event: FlattenedEvent, evaluation: inout Evaluation) -> [Int32] {
        if let known = evaluation.known(id) { return known }
        guard conditions[id]!.anchoredSubRules.isEmpty else { return [] }  // an anchor the index pass did not report
        let info = conditions[id]!.info
        var found: [Int32] = []
        for leafIndex in event.fields[info.path] ?? [] {
            let value = event.leaves[Int(leafIndex)].value
            if info.condition.matchers.contains(where: { $0.matches(value) }) { found.append(leafIndex) }
        }
        evaluation.remember(id, leaves: found)
        return found
    }

    /// The leaf-requiring condition to index a new sub-rule under: the one with the lowest expected number
    /// of candidates per event (see ``Selectivity``), the first of equals.
    private func chooseAnchor(among required: [Int32]) -> Int32? {
        var best: (id: Int32, cost: Int)?
        for id in required {
            let record = conditions[id]!
            let cost = record.info.selectivity.cost(references: record.references)
            if best == nil || cost < best!.cost { best = (id, cost) }
        }
        return best?.id
    }

    private mutating func anchorSubRule(_ subRuleID: Int32, on anchor: Int32) {
        if conditions[anchor]!.anchoredSubRules.isEmpty {
            let record = conditions[anchor]!
            for matcher in record.info.condition.matchers { indexes[record.info.path, default: FieldIndex()].insert(matcher, id: anchor) }
        }
        conditions[anchor]!.anchoredSubRules.append(subRuleID)
    }

    private mutating func unanchorSubRule(_ subRuleID: Int32, from anchor: Int32) {
        conditions[anchor]!.anchoredSubRules.removeAll { $0 == subRuleID }
        guard conditions[anchor]!.anchoredSubRules.isEmpty else { return }
        let record = conditions[anchor]!
        for matcher in record.info.condition.matchers { indexes[record.info.path]?.remove(matcher, id: anchor) }
        if indexes[record.info.path]?.entryCount == 0 { indexes[record.info.path] = nil }
    }

    private mutating func intern(_ condition: FieldCondition) -> Int32 {
        if let id = conditionIDs[condition] {
            conditions[id]!.references += 1
            return id
        }
        let record = ConditionRecord(
            info: ConditionInfo(condition),
            references: 1,
            anchoredSubRules: []
        )
        let id = conditions.insert(record)
        conditionIDs[condition] = id
        pathFilter.insert(condition.path)
        return id
    }

    private mutating func release(_ id: Int32) {
        conditions[id]!.references -= 1
        guard let record = conditions[id], record.references == 0 else { return }
        conditionIDs[record.info.condition] = nil
        pathFilter.remove(record.info.condition.path)
        conditions.remove(id)
    }
}

/// What one `matchingRules` call has learned about conditions: anchors reported by the index pass, and
/// other conditions evaluated on demand while confirming candidates.
private struct Evaluation {
    /// Condition id → satisfying leaves, in leaf order without repeats.
    private var leavesByCondition: [Int32: [Int32]] = [:]
    /// Anchors satisfied by some leaf, in the order first seen.
    private(set) var satisfiedAnchors: [Int32] = []

    mutating func record(anchor id: Int32, leaf: Int32) {
        if let last = leavesByCondition[id]?.last {
            if last != leaf { leavesByCondition[id]!.append(leaf) }
        } else {
            leavesByCondition[id] = [leaf]
            satisfiedAnchors.append(id)
        }
    }

    func leaves(satisfying anchor: Int32) -> [Int32] { leavesByCondition[anchor] ?? [] }

    func known(_ id: Int32) -> [Int32]? { leavesByCondition[id] }

    mutating func remember(_ id: Int32, leaves: [Int32]) { leavesByCondition[id] = leaves }
}
