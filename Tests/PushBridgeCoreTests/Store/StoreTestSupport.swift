import Logging
import PushBridgeCore
import Synchronization

/// A wall clock that moves only when told: retention and retry times are then exact.
final class ManualClock: Sendable {
    private let current: Mutex<Timestamp>

    init(_ start: Timestamp = t0) { self.current = Mutex(start) }

    var now: Timestamp { current.withLock { $0 } }

    func advance(by duration: Duration) { current.withLock { $0 = $0 + duration } }

    func set(_ time: Timestamp) { current.withLock { $0 = time } }

    var wallClock: WallClock { WallClock { [self] in now } }
}

/// The account every router of these tests belongs to.
let testAccount = AccountContext(accountId: "123456789012", region: "us-east-1")

/// A router recording into `store`. Its clock stands still at `t0` unless one is given, and no worker runs
/// unless the caller runs `workers`, so what the queues hold stays put for the assertions.
func makeRouter(
    store: any EventStore,
    deliverer: any TargetDeliverer = FakeDeliverer(),
    deadLetters: any DeadLetterStore = InMemoryDeadLetterStore(),
    workers: DeliveryWorkers = DeliveryWorkers(),
    clock: WallClock = WallClock { t0 },
    queueCapacity: Int = 100
) -> EventRouter {
    EventRouter(
        account: testAccount,
        queueCapacity: queueCapacity,
        delivererFactory: FakeDelivererFactory(deliverer: deliverer),
        deadLetters: deadLetters,
        workers: workers,
        clock: clock,
        store: store,
        logger: Logger(label: "test")
    )
}
