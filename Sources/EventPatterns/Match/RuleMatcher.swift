import PushBridgeJSON

/// Many rules compiled into one structure, answering "which rules match this event?" without looping over
/// the rules: the cost follows the event's fields and the rules the event could plausibly match, not the
/// number of rules held. The work is done by ``AnchorIndex``; this maps caller rule ids to its slots.
///
/// `add` with a rule id that is already present adds more branches to it (the rule matches if any of its
/// patterns does, like Ruler's `addRule` with the same name); call ``remove(_:)`` first to replace.
public struct RuleMatcher<RuleID: Hashable & Sendable>: Sendable {
    private var index = AnchorIndex()
    private var slots: [RuleID: Int32] = [:]
    private var ruleIDsBySlot = SlotTable<RuleID>()

    public init() {}

    /// The number of rules held.
    public var count: Int { slots.count }
    public var isEmpty: Bool { slots.isEmpty }
    public var ruleIDs: [RuleID] { Array(slots.keys) }
    public func contains(_ rule: RuleID) -> Bool { slots[rule] != nil }

    public mutating func add(_ pattern: EventPattern, for rule: RuleID) {
        add(subRules: pattern.subRules, for: rule)
    }

    mutating func add(subRules: [SubRule], for rule: RuleID) {
        index.add(subRules: subRules, for: slot(for: rule))
    }

    public mutating func remove(_ rule: RuleID) {
        guard let slot = slots.removeValue(forKey: rule) else { return }
        index.remove(slot)
        ruleIDsBySlot.remove(slot)
    }

    /// Flattens only the fields the held rules read.
    public func matchingRules(for event: JSONValue) -> Set<RuleID> {
        guard !slots.isEmpty else { return [] }
        return matchingRules(for: flattened(event))
    }

    /// `event` with only the leaves the held rules can read.
    func flattened(_ event: JSONValue) -> FlattenedEvent { FlattenedEvent(event, keeping: index.pathFilter) }

    public func matchingRules(for event: FlattenedEvent) -> Set<RuleID> {
        guard !slots.isEmpty else { return [] }
        var result = Set<RuleID>()
        for slot in index.matchingRules(for: event) { result.insert(ruleIDsBySlot[slot]!) }
        return result
    }

    private mutating func slot(for rule: RuleID) -> Int32 {
        if let existing = slots[rule] { return existing }
        let slot = ruleIDsBySlot.insert(rule)
        slots[rule] = slot
        return slot
    }
}
