/// An EventBridge rule on one bus: a pattern that events match, a schedule that fires on its own, or both, and the
/// targets the events go to.
public struct RuleDefinition: Sendable, Equatable {
    public enum State: String, Sendable {
        case enabled = "ENABLED"
        case disabled = "DISABLED"
        /// AWS's third state: the rule also matches CloudTrail management events, of which PushBridge has none, so
        /// it routes exactly as `ENABLED` does and is kept as given.
        case enabledWithAllCloudTrailManagementEvents = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"

        public var routesEvents: Bool { self != .disabled }
    }

    public var name: String
    public var busName: String
    public var eventPattern: String?
    /// `rate(…)` or `cron(…)` as given (valid: checked by ``ScheduleExpression``); only on the default bus, as in AWS.
    public var scheduleExpression: String?
    public var state: State
    public var description: String?
    /// Kept and returned, never assumed: PushBridge delivers with its own credentials.
    public var roleArn: String?
    public var tags: [ResourceTag]
    public var arn: String
    public var targets: [TargetDefinition]

    public init(
        name: String,
        busName: String,
        eventPattern: String?,
        scheduleExpression: String? = nil,
        state: State = .enabled,
        description: String? = nil,
        roleArn: String? = nil,
        tags: [ResourceTag] = [],
        arn: String,
        targets: [TargetDefinition] = []
    ) {
        self.name = name
        self.busName = busName
        self.eventPattern = eventPattern
        self.scheduleExpression = scheduleExpression
        self.state = state
        self.description = description
        self.roleArn = roleArn
        self.tags = tags
        self.arn = arn
        self.targets = targets
    }
}
