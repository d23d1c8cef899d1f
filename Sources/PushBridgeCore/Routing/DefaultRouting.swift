import PushBridgeJSON

/// The routing PushBridge starts with when nothing is configured: the original sample's rule, as one rule
/// with one WebSocket target, not as a special case.
///
/// Events whose `detail-type` is `Entity Updated` go to the subscribers of `detail.entityId`, who receive
/// `{"type":"Entity Updated","entityId":…,"message":…}` (`message` only when the event has one).
///
/// With authentication on, a second rule (``UserNotifications``) does what the sample's part four does.
public enum DefaultRouting {
    public static let ruleName = "EntityUpdated"
    public static let targetId = "EntityUpdatedSubscribers"
    public static let eventPattern = #"{"detail-type":["Entity Updated"]}"#
    public static let inputPathsMap = ["entityId": "$.detail.entityId", "message": "$.detail.message"]
    public static let inputTemplate = #"{"type":"Entity Updated","entityId":<entityId>,"message":<message>}"#

    public static func install(into router: EventRouter, retryPolicy: RetryPolicy = .default) throws {
        try router.putRule(
            name: ruleName,
            bus: AccountContext.defaultBusName,
            eventPattern: eventPattern,
            state: .enabled,
            description: "Pushes Entity Updated events to the subscribers of detail.entityId"
        )
        let transformer = try InputTransformer(inputPathsMap: inputPathsMap, inputTemplate: inputTemplate)
        let definition = JSONObject([
            ("Id", .string(targetId)),
            ("Arn", .string(router.account.webSocketTargetArn)),
            ("HttpParameters", ["PathParameterValues": ["$.detail.entityId"]]),
            (
                "InputTransformer",
                .object(
                    JSONObject([
                        ("InputPathsMap", .object(JSONObject(inputPathsMap.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))),
                        ("InputTemplate", .string(inputTemplate)),
                    ])
                )
            ),
        ])
        let target = TargetDefinition(
            id: targetId,
            arn: router.account.webSocketTargetArn,
            input: .transformer(transformer),
            retryPolicy: retryPolicy,
            pathParameterValues: ["$.detail.entityId"],
            definition: definition
        )
        let rejected = try router.putTargets(rule: ruleName, bus: AccountContext.defaultBusName, targets: [target])
        if let first = rejected.first { throw first.rejection }
    }
}

extension DefaultRouting {
    /// The sample's part-four rule, installed when connections are authenticated (only then do they have users):
    /// `Send User Push Notification` events go to every connection of `detail.userId`, which receives
    /// `{"type":"User Push Notification","message":…,"callback":…}` (each only when the event has it).
    public enum UserNotifications {
        public static let ruleName = "SendUserPushNotification"
        public static let targetId = "UserConnections"
        public static let eventPattern = #"{"detail-type":["Send User Push Notification"]}"#
        public static let inputPathsMap = ["message": "$.detail.message", "callback": "$.detail.callback"]
        public static let inputTemplate = #"{"type":"User Push Notification","message":<message>,"callback":<callback>}"#
        public static let userIdPath = "$.detail.userId"

        public static func install(into router: EventRouter, retryPolicy: RetryPolicy = .default) throws {
            try router.putRule(
                name: ruleName,
                bus: AccountContext.defaultBusName,
                eventPattern: eventPattern,
                state: .enabled,
                description: "Pushes Send User Push Notification events to every connection of detail.userId"
            )
            let transformer = try InputTransformer(inputPathsMap: inputPathsMap, inputTemplate: inputTemplate)
            let arn = router.account.webSocketUsersTargetArn
            let definition = JSONObject([
                ("Id", .string(targetId)),
                ("Arn", .string(arn)),
                ("HttpParameters", ["PathParameterValues": [.string(userIdPath)]]),
                (
                    "InputTransformer",
                    .object(
                        JSONObject([
                            ("InputPathsMap", .object(JSONObject(inputPathsMap.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))),
                            ("InputTemplate", .string(inputTemplate)),
                        ])
                    )
                ),
            ])
            let target = TargetDefinition(
                id: targetId,
                arn: arn,
                input: .transformer(transformer),
                retryPolicy: retryPolicy,
                pathParameterValues: [userIdPath],
                definition: definition
            )
            let rejected = try router.putTargets(rule: ruleName, bus: AccountContext.defaultBusName, targets: [target])
            if let first = rejected.first { throw first.rejection }
        }
    }
}
