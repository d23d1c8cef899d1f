import PushBridgeCore
import TestSupport
import Testing

@Suite("DeliveryQueueState store changes")
struct DeliveryQueueStateStoreTests {
    let ids = SequentialIDs()

    private func makeState(recording: Bool = true, capacity: Int = 10, visibilityTimeout: Duration = .seconds(30)) -> DeliveryQueueState {
        var state = DeliveryQueueState(
            capacity: capacity,
            retryPolicy: RetryPolicy(baseDelay: .seconds(1), maximumDelay: .seconds(300)),
            visibilityTimeout: visibilityTimeout
        )
        state.recordsChanges = recording
        return state
    }

    private func fail(
        _ state: inout DeliveryQueueState,
        _ lease: DeliveryQueueState.Lease,
        _ failure: DeliveryFailure = retryable,
        at now: Timestamp
    ) -> DeliveryQueueState.FailureAction {
        var random = SplitMix(seed: 1)
        return state.fail(lease, failure: failure, now: now, random: &random, deadLetterId: ids.next)
    }

    private func promote(_ state: inout DeliveryQueueState, at now: Timestamp) -> [DeadLetterEntry] {
        var random = SplitMix(seed: 2)
        return state.promoteDue(now: now, random: &random, deadLetterId: ids.next)
    }

    private func retryTime(_ action: DeliveryQueueState.FailureAction) -> Timestamp? {
        if case .retryScheduled(let at) = action { return at }
        Issue.record("expected a scheduled retry, got \(action)")
        return nil
    }

    /// The only change recorded, as a reschedule.
    private func onlyReschedule(_ changes: [StoreChange]) -> (key: MessageKey, attempts: [DeliveryAttempt], dueAt: Timestamp?)? {
        guard changes.count == 1, let reschedule = changes[0].rescheduled else {
            Issue.record("expected one reschedule, got \(changes.map(\.summary))")
            return nil
        }
        return reschedule
    }

    // MARK: Recorded transitions

    @Test("A failed lease records its reschedule: the key, the attempts so far and the retry time the action returned")
    func failureRecordsReschedule() throws {
        var state = makeState()
        let message = makeJournaledMessage(makeEvent(id: "e1"))
        #expect(state.enqueue(message) == true)
        #expect(state.takeChanges().isEmpty)
        let lease = try #require(state.receive(now: t0, maximum: 1).first)

        let action = fail(&state, lease, at: t0.adding(seconds: 1))
        let due = try #require(retryTime(action))
        let recorded = try #require(onlyReschedule(state.takeChanges()))
        #expect(recorded.key == message.key)
        #expect(recorded.key == MessageKey(eventId: "e1", target: testTarget))
        #expect(recorded.dueAt == due)
        #expect(recorded.attempts == [DeliveryAttempt(number: 1, startedAt: t0, failure: retryable)])
        #expect(state.takeChanges().isEmpty, "taking the changes empties them")

        // The second failure carries both attempts.
        let retry = try #require(state.receive(now: due, maximum: 1).first)
        let secondDue = try #require(retryTime(fail(&state, retry, at: due.adding(seconds: 1))))
        let second = try #require(onlyReschedule(state.takeChanges()))
        #expect(second.dueAt == secondDue)
        #expect(second.attempts.map(\.number) == [1, 2])
        #expect(second.attempts.map(\.startedAt) == [t0, due])
        #expect(second.attempts.allSatisfy { $0.failure == retryable })
    }

    @Test("A Retry-After the target asked for is the recorded retry time")
    func retryAfterIsRecorded() throws {
        var state = makeState()
        _ = state.enqueue(makeJournaledMessage())
        let lease = try #require(state.receive(now: t0, maximum: 1).first)
        var failure = retryable
        failure.retryAfter = t0.adding(seconds: 120)
        #expect(fail(&state, lease, failure, at: t0.adding(seconds: 1)) == .retryScheduled(at: t0.adding(seconds: 120)))
        #expect(onlyReschedule(state.takeChanges())?.dueAt == t0.adding(seconds: 120))
    }

    @Test("A completed lease records that its message was delivered")
    func completionRecordsDelivered() throws {
        var state = makeState()
        let message = makeJournaledMessage(makeEvent(id: "e1"))
        _ = state.enqueue(message)
        let lease = try #require(state.receive(now: t0, maximum: 1).first)
        #expect(state.takeChanges().isEmpty, "receiving is not recorded")

        state.complete(lease)
        let changes = state.takeChanges()
        #expect(changes.map(\.summary) == ["delivered e1 \(testTarget)"])
        #expect(changes.first?.delivered == message.key)

        // A late second settle of the same lease is ignored, and records nothing.
        state.complete(lease)
        #expect(state.takeChanges().isEmpty)
    }

    @Test("Retry now records a reschedule that is due at once, with the attempts kept")
    func retryNowRecordsReadyReschedule() throws {
        var state = makeState()
        let message = makeJournaledMessage(makeEvent(id: "e1"))
        _ = state.enqueue(message)
        let lease = try #require(state.receive(now: t0, maximum: 1).first)
        _ = fail(&state, lease, at: t0.adding(seconds: 1))
        _ = state.takeChanges()
        let waiting = try #require(state.waitingMessages.first)

        #expect(state.retryNow(waiting.id) == true)
        let recorded = try #require(onlyReschedule(state.takeChanges()))
        #expect(recorded.key == message.key)
        #expect(recorded.dueAt == nil)
        #expect(recorded.attempts == waiting.attempts)

        #expect(state.retryNow(waiting.id) == false, "no longer waiting")
        #expect(state.takeChanges().isEmpty)
    }

    @Test("A lease that outlives the visibility timeout records its reschedule, with a TIMEOUT attempt")
    func expiredLeaseRecordsReschedule() throws {
        var state = makeState(visibilityTimeout: .seconds(30))
        let message = makeJournaledMessage(makeEvent(id: "e1"))
        _ = state.enqueue(message)
        _ = state.receive(now: t0, maximum: 1)

        #expect(promote(&state, at: t0.adding(seconds: 29)).isEmpty)
        #expect(state.takeChanges().isEmpty, "not expired yet")

        #expect(promote(&state, at: t0.adding(seconds: 30)).isEmpty)
        let recorded = try #require(onlyReschedule(state.takeChanges()))
        #expect(recorded.key == message.key)
        #expect(recorded.attempts.count == 1)
        #expect(recorded.attempts.first?.failure?.code == "TIMEOUT")
        let waiting = try #require(state.waitingMessages.first)
        #expect(recorded.dueAt == waiting.dueAt)
        #expect(try #require(recorded.dueAt) >= t0.adding(seconds: 30))
    }

    @Test("Dead letters are left for the dead-letter store to record: the queue records none")
    func deadLettersAreNotRecordedHere() throws {
        var state = makeState()
        for id in ["e1", "e2", "e3"] { _ = state.enqueue(makeJournaledMessage(makeEvent(id: id))) }
        let leases = state.receive(now: t0, maximum: 2)
        #expect(leases.count == 2)

        // Not retryable: straight to the DLQ.
        if case .deadLettered = fail(&state, leases[0], nonRetryable, at: t0) {} else { Issue.record("expected a dead letter") }
        // Cancelled by an operator.
        _ = fail(&state, leases[1], at: t0)
        _ = state.takeChanges()
        let waiting = try #require(state.waitingMessages.first)
        #expect(state.cancelRetry(waiting.id, now: t0, deadLetterId: "dl-cancel") != nil)
        // Drained because the target went away.
        #expect(state.drainAll(failure: .noResource("gone"), now: t0, deadLetterId: ids.next).count == 1)

        #expect(state.takeChanges().isEmpty)
    }

    @Test("With recording off, nothing is recorded")
    func recordingOff() throws {
        var state = makeState(recording: false, visibilityTimeout: .seconds(30))
        for id in ["e1", "e2", "e3"] { _ = state.enqueue(makeJournaledMessage(makeEvent(id: id))) }
        let leases = state.receive(now: t0, maximum: 3)
        state.complete(leases[0])
        _ = fail(&state, leases[1], at: t0)
        let waiting = try #require(state.waitingMessages.first)
        #expect(state.retryNow(waiting.id) == true)
        _ = promote(&state, at: t0.adding(seconds: 30))
        state.restore(makeJournaledMessage(makeEvent(id: "e4")), attempts: [], dueAt: nil)

        #expect(state.counters.delivered == 1)
        #expect(state.counters.retried == 2, "the failure and the expired lease were both rescheduled")
        #expect(state.takeChanges().isEmpty)
    }

    @Test("Delivery at once: only an open queue with nothing ready or in flight allows it; it counts and records the delivery")
    func deliveryAtOnce() throws {
        var state = makeState(capacity: 2)
        #expect(state.acceptsDeliveryAtOnce == true)
        let message = makeJournaledMessage(makeEvent(id: "e1"))
        #expect(state.reservePlace() == true)
        state.deliveredAtOnce(message, reserved: true)
        #expect(state.freeCapacity == 2)
        #expect(state.counters.enqueued == 1)
        #expect(state.counters.delivered == 1)
        #expect(state.takeChanges().map(\.summary) == ["delivered e1 \(testTarget)"])

        #expect(state.enqueue(makeJournaledMessage(makeEvent(id: "e2"))) == true)
        #expect(state.acceptsDeliveryAtOnce == false)  // ready ahead
        let lease = try #require(state.receive(now: t0, maximum: 1).first)
        #expect(state.acceptsDeliveryAtOnce == false)  // in flight ahead
        _ = fail(&state, lease, at: t0)
        #expect(state.acceptsDeliveryAtOnce == true)  // only waiting for its retry
        _ = state.drainAll(failure: nonRetryable, now: t0, deadLetterId: ids.next)
        #expect(state.acceptsDeliveryAtOnce == false)  // closed
    }

    // MARK: Restore

    @Test("Restore puts a message with a retry time among the waiting and one without among the ready, past capacity")
    func restore() throws {
        var state = makeState(capacity: 1)
        #expect(state.enqueue(makeJournaledMessage(makeEvent(id: "queued"))) == true)
        #expect(state.freeCapacity == 0)

        let failed = DeliveryAttempt(number: 1, startedAt: t0.adding(seconds: -60), failure: retryable)
        let due = t0.adding(seconds: 10)
        state.restore(makeJournaledMessage(makeEvent(id: "waiting")), attempts: [failed], dueAt: due)
        state.restore(makeJournaledMessage(makeEvent(id: "ready")), attempts: [failed], dueAt: nil)

        #expect(state.depth == 3, "capacity does not refuse what was accepted before the restart")
        #expect(state.readyCount == 2)
        #expect(state.waitingCount == 1)
        #expect(state.counters.enqueued == 3)
        #expect(state.enqueue(makeJournaledMessage()) == false, "new messages still meet the capacity")
        let waiting = try #require(state.waitingMessages.first)
        #expect(waiting.message.event.id == "waiting")
        #expect(waiting.dueAt == due)
        #expect(waiting.attempts == [failed])
        #expect(state.takeChanges().isEmpty, "restoring records nothing: the store already has it")

        // Before the retry time only the ready ones come out; the restored one continues its attempt count.
        let first = state.receive(now: due.adding(milliseconds: -1), maximum: 10)
        #expect(first.map(\.message.event.id) == ["queued", "ready"])
        #expect(first.map(\.attempt) == [1, 2])
        let second = state.receive(now: due, maximum: 10)
        #expect(second.map(\.message.event.id) == ["waiting"])
        #expect(second.map(\.attempt) == [2])
    }

    @Test("A restored message's next failure records all its attempts, the recovered ones first")
    func restoredFailureKeepsAttempts() throws {
        var state = makeState()
        let recovered = DeliveryAttempt(number: 1, startedAt: t0.adding(seconds: -60), failure: retryable)
        let message = makeJournaledMessage(makeEvent(id: "e1"))
        state.restore(message, attempts: [recovered], dueAt: nil)
        let lease = try #require(state.receive(now: t0, maximum: 1).first)
        _ = fail(&state, lease, at: t0.adding(seconds: 1))

        let recorded = try #require(onlyReschedule(state.takeChanges()))
        #expect(recorded.key == message.key)
        #expect(recorded.attempts == [recovered, DeliveryAttempt(number: 2, startedAt: t0, failure: retryable)])
    }

    @Test("Messages to WebSocket subscribers record nothing: they were never kept")
    func webSocketMessagesRecordNothing() {
        var state = DeliveryQueueState(capacity: 10, retryPolicy: RetryPolicy(baseDelay: .seconds(1), maximumDelay: .seconds(300)))
        state.recordsChanges = true
        _ = state.enqueue(makeMessage(makeEvent(id: "ws")))
        let leases = state.receive(now: t0, maximum: 1)
        for lease in leases { state.complete(lease) }
        #expect(leases.count == 1)
        #expect(state.takeChanges().isEmpty)
    }
}

/// A message to a webhook: journaled, so its changes are recorded.
private func makeJournaledMessage(_ event: Event = makeEvent()) -> DeliveryMessage {
    makeMessage(event, targetArn: "https://hooks.example.com/journaled")
}
