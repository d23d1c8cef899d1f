import Logging
import NIOCore
import PushBridgeCore
import PushBridgeJSON
import Synchronization
import Testing

// MARK: Time

/// 2026-11-29T19:10:21Z, a fixed "now" for pure state-machine tests.
let t0 = Timestamp(milliseconds: 1_795_979_421_000)

extension Timestamp {
    func adding(milliseconds: Int64) -> Timestamp { Timestamp(milliseconds: self.milliseconds + milliseconds) }
    func adding(seconds: Int64) -> Timestamp { adding(milliseconds: seconds * 1000) }
}

/// Hands out `dl-1`, `dl-2`, … for dead-letter ids.
final class SequentialIDs: Sendable {
    private let counter = Atomic<Int>(0)
    func next() -> String { "dl-\(counter.add(1, ordering: .relaxed).newValue)" }
}

// MARK: Events and messages

func makeEvent(
    id: String = "11111111-2222-3333-4444-555555555555",
    source: String = "CLI",
    detailType: String = "Entity Updated",
    detail: JSONValue = ["entityId": "myEntityId", "message": "hi"],
    time: Timestamp = t0,
    resources: [String] = [],
    bus: String = "default",
    ingestedAt: Timestamp = t0
) -> Event {
    Event(
        id: id,
        source: source,
        detailType: detailType,
        account: "123456789012",
        region: "us-east-1",
        time: time,
        resources: resources,
        detail: detail,
        eventBusName: bus,
        ingestedAt: ingestedAt
    )
}

let testTarget = TargetKey(busName: "default", ruleName: "EntityUpdated", targetId: "Subscribers")

func makeMessage(
    _ event: Event = makeEvent(),
    input: String? = nil,
    routingKey: String? = "myEntityId",
    target: TargetKey = testTarget,
    targetArn: String = "arn:pushbridge:websocket:us-east-1:123456789012:subscribers/*"
) -> DeliveryMessage {
    DeliveryMessage(
        event: event,
        input: input ?? event.jsonText,
        routingKey: routingKey,
        target: target,
        ruleArn: "arn:aws:events:us-east-1:123456789012:rule/\(target.ruleName)",
        targetArn: targetArn
    )
}

/// A dead letter made the way the queue makes them (drained with `failure` at `at`), for store tests.
func makeDeadLetter(
    id: String,
    target: TargetKey = testTarget,
    errorCode: String = "ERROR_FROM_TARGET",
    at: Timestamp = t0,
    eventId: String = "11111111-2222-3333-4444-555555555555"
) -> DeadLetterEntry {
    var state = DeliveryQueueState(capacity: 1, retryPolicy: RetryPolicy())
    _ = state.enqueue(makeMessage(makeEvent(id: eventId), target: target))
    let failure = DeliveryFailure(code: errorCode, message: "failed", retryable: false)
    let entries = state.drainAll(failure: failure, now: at) { id }
    precondition(entries.count == 1)
    return entries[0]
}

let retryable = DeliveryFailure(code: "ERROR_FROM_TARGET", message: "HTTP 503", retryable: true)
let nonRetryable = DeliveryFailure(code: "NO_PERMISSIONS", message: "HTTP 403", retryable: false)

// MARK: Fakes

/// A deliverer that fails `failures` times with `failure`, then succeeds; it records every call.
final class FakeDeliverer: TargetDeliverer {
    private struct State {
        var failuresLeft: Int
        var calls: [DeliveryMessage] = []
        var delivered: [DeliveryMessage] = []
    }

    private let state: Mutex<State>
    private let failure: DeliveryFailure
    let maximumConcurrency: Int
    /// Whether it also delivers at once, outside the queue (as WebSocket fan-out does).
    let deliversAtOnce: Bool

    init(failures: Int = 0, failure: DeliveryFailure = retryable, maximumConcurrency: Int = 1, deliversAtOnce: Bool = false) {
        self.state = Mutex(State(failuresLeft: failures))
        self.failure = failure
        self.maximumConcurrency = maximumConcurrency
        self.deliversAtOnce = deliversAtOnce
    }

    func deliver(_ message: DeliveryMessage) async -> DeliveryOutcome {
        call(message)
    }

    func deliverAtOnce(_ message: DeliveryMessage) -> DeliveryOutcome? {
        deliversAtOnce ? call(message) : nil
    }

    private func call(_ message: DeliveryMessage) -> DeliveryOutcome {
        state.withLock { state in
            state.calls.append(message)
            if state.failuresLeft > 0 {
                state.failuresLeft -= 1
                return .failed(failure)
            }
            state.delivered.append(message)
            return .delivered
        }
    }

    var callCount: Int { state.withLock { $0.calls.count } }
    var delivered: [DeliveryMessage] { state.withLock { $0.delivered } }
}

/// Gives every target the same deliverer.
struct FakeDelivererFactory: TargetDelivererFactory {
    let deliverer: any TargetDeliverer

    func deliverer(for target: TargetDefinition, rule: RuleDefinition) throws(TargetRejection) -> any TargetDeliverer { deliverer }
}

/// A sink that records what it is sent and answers with a chosen result.
final class RecordingSink: ConnectionSink {
    private struct State {
        var result: SendResult
        var frames: [String] = []
        var closes: [(code: UInt16, reason: String)] = []
    }

    private let state: Mutex<State>

    init(result: SendResult = .queued) { self.state = Mutex(State(result: result)) }

    func send(text: ByteBuffer) -> SendResult {
        state.withLock { state in
            if state.result == .queued { state.frames.append(String(buffer: text)) }
            return state.result
        }
    }

    func close(code: UInt16, reason: String) { state.withLock { $0.closes.append((code, reason)) } }

    var frames: [String] { state.withLock { $0.frames } }
    var closeCodes: [UInt16] { state.withLock { $0.closes.map(\.code) } }
    var closeReasons: [String] { state.withLock { $0.closes.map(\.reason) } }
}

/// A queue for `testTarget` with fast retries, on the pinned test calendar.
func makeQueue(
    deliverer: any TargetDeliverer,
    policy: RetryPolicy = fastRetryPolicy(),
    deadLetters: InMemoryDeadLetterStore = InMemoryDeadLetterStore(),
    capacity: Int = 10,
    budget: MemoryBudget = .unlimited
) -> DeliveryQueue {
    DeliveryQueue(
        target: testTarget,
        capacity: capacity,
        retryPolicy: policy,
        deliverer: deliverer,
        deadLetters: deadLetters,
        clock: .starting(at: t0),
        budget: budget,
        logger: Logger(label: "test")
    )
}

func makeRouter(
    deliverer: any TargetDeliverer,
    deadLetters: any DeadLetterStore = InMemoryDeadLetterStore(),
    workers: DeliveryWorkers = DeliveryWorkers(),
    clock: WallClock = .starting(at: t0),
    store: any EventStore = InMemoryEventStore()
) -> EventRouter {
    EventRouter(
        account: AccountContext(accountId: "123456789012", region: "us-east-1"),
        queueCapacity: 100,
        delivererFactory: FakeDelivererFactory(deliverer: deliverer),
        deadLetters: deadLetters,
        workers: workers,
        clock: clock,
        store: store,
        logger: Logger(label: "test")
    )
}

// MARK: Waiting for an outcome

/// Polls `condition` until it holds, for at most `timeout` (a bound on waiting, not a timing assertion: a
/// full parallel test run on two busy cores has been seen to starve a worker for over 2 s).
func eventually(
    timeout: Duration = .seconds(10),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () -> Bool
) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    for _ in 0..<100_000 {
        if condition() { return true }
        if ContinuousClock.now >= deadline { break }
        try? await Task.sleep(for: .milliseconds(2))
    }
    let held = condition()
    if !held { Issue.record("condition not met within \(timeout)", sourceLocation: sourceLocation) }
    return held
}

/// A retry policy with millisecond delays, for runtime tests.
func fastRetryPolicy(maximumRetryAttempts: Int = 185) -> RetryPolicy {
    RetryPolicy(maximumRetryAttempts: maximumRetryAttempts, baseDelay: .milliseconds(1), maximumDelay: .milliseconds(5))
}

/// A thread-safe list of recorded values.
final class Recorder<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    func append(_ value: Value) { values.withLock { $0.append(value) } }
    var all: [Value] { values.withLock { $0 } }
}
