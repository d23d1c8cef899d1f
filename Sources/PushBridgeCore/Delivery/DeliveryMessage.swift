/// Identifies one target of one rule on one bus: the unit that owns a queue, a retry policy and a DLQ.
public struct TargetKey: Hashable, Sendable, Codable, CustomStringConvertible {
    public var busName: String
    public var ruleName: String
    public var targetId: String

    public init(busName: String, ruleName: String, targetId: String) {
        self.busName = busName
        self.ruleName = ruleName
        self.targetId = targetId
    }

    public var description: String { "\(busName)/\(ruleName)/\(targetId)" }
}

/// What flows through a target's queue: the event, and what the target receives for it.
public struct DeliveryMessage: Sendable {
    public let event: Event
    /// The target's input (the event JSON, or what Input/InputPath/InputTransformer made of it).
    public let input: String
    /// The subscription key or connection id a path parameter selected, for targets that need one.
    public let routingKey: String?
    public let target: TargetKey
    public let ruleArn: String
    public let targetArn: String

    public init(event: Event, input: String, routingKey: String?, target: TargetKey, ruleArn: String, targetArn: String) {
        self.event = event
        self.input = input
        self.routingKey = routingKey
        self.target = target
        self.ruleArn = ruleArn
        self.targetArn = targetArn
    }
}
