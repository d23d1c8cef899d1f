import Synchronization

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
    public var input: String { renderedInput.text(for: event) ?? "" }
    /// The input, or why it cannot be delivered (a transformed input over
    /// ``InputTransformer/maximumRenderedBytes``): what every deliverer sends.
    public var deliverableInput: Result<String, DeliveryFailure> {
        guard let text = renderedInput.text(for: event) else {
            return .failure(
                .invalidParameter("The transformed input is longer than \(InputTransformer.maximumRenderedBytes) bytes; nothing was sent.")
            )
        }
        return .success(text)
    }
    /// The subscription key or connection id a path parameter selected, for targets that need one.
    public let routingKey: String?
    public let target: TargetKey
    public let ruleArn: String
    public let targetArn: String
    private let renderedInput: RenderedInput

    /// Names this message in an ``EventStore``.
    public var key: MessageKey { MessageKey(eventId: event.id, target: target) }

    /// Whether it goes to the built-in WebSocket fan-out, whose subscribers do not outlive the process.
    public var isForWebSocketSubscribers: Bool { targetArn.hasPrefix(TargetDefinition.webSocketArnPrefix) }

    public init(event: Event, input: String, routingKey: String?, target: TargetKey, ruleArn: String, targetArn: String) {
        self.init(
            event: event,
            renderedInput: RenderedInput(text: input),
            routingKey: routingKey,
            target: target,
            ruleArn: ruleArn,
            targetArn: targetArn
        )
    }

    /// A message whose input is rendered from `event` when a deliverer first asks for it: a WebSocket target
    /// whose routing key has no subscriber never needs it, and rendering is pure, so when it happens does not
    /// change what is sent.
    public init(
        event: Event,
        input: TargetInput,
        context: TargetInput.Context,
        routingKey: String?,
        target: TargetKey,
        ruleArn: String,
        targetArn: String
    ) {
        self.init(
            event: event,
            renderedInput: RenderedInput(input: input, context: context),
            routingKey: routingKey,
            target: target,
            ruleArn: ruleArn,
            targetArn: targetArn
        )
    }

    private init(event: Event, renderedInput: RenderedInput, routingKey: String?, target: TargetKey, ruleArn: String, targetArn: String) {
        self.event = event
        self.renderedInput = renderedInput
        self.routingKey = routingKey
        self.target = target
        self.ruleArn = ruleArn
        self.targetArn = targetArn
    }
}

/// A target's input, rendered at most once per message however many attempts read it.
private final class RenderedInput: Sendable {
    private enum State {
        case rendered(String?)
        case pending(TargetInput, TargetInput.Context)
    }

    private let state: Mutex<State>

    init(text: String) { self.state = Mutex(.rendered(text)) }

    init(input: TargetInput, context: TargetInput.Context) { self.state = Mutex(.pending(input, context)) }

    /// nil when the input is over the limit.
    func text(for event: Event) -> String? {
        let pending: (TargetInput, TargetInput.Context)
        switch state.withLock({ $0 }) {
        case .rendered(let text): return text
        case .pending(let input, let context): pending = (input, context)
        }
        // Rendered outside the lock; two first readers at once both render the same text.
        let text = pending.0.render(event, context: pending.1, limit: InputTransformer.maximumRenderedBytes)
        state.withLock { $0 = .rendered(text) }
        return text
    }
}
