import PushBridgeCore
import TestSupport
import Testing

@Suite("DeliveryQueueState")
struct DeliveryQueueStateTests {
    let ids = SequentialIDs()

    private func makeState(
        capacity: Int = 10,
        policy: RetryPolicy = RetryPolicy(baseDelay: .seconds(1), maximumDelay: .seconds(300)),
        visibilityTimeout: Duration = .seconds(30)
    ) -> DeliveryQueueState {
        DeliveryQueueState(capacity: capacity, retryPolicy: policy, visibilityTimeout: visibilityTimeout)
    }

    private func fail(
        _ state: inout DeliveryQueueState,
        _ lease: DeliveryQueueState.Lease,
        _ failure: DeliveryFailure = retryable,
        at now: Timestamp,
        seed: UInt64 = 1
    ) -> DeliveryQueueState.FailureAction {
        var random = SplitMix(seed: seed)
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

    private func deadLetter(_ action: DeliveryQueueState.FailureAction) -> DeadLetterEntry? {
        if case .deadLettered(let entry) = action { return entry }
        Issue.record("expected a dead letter, got \(action)")
        return nil
    }

    // MARK: Enqueue and receive

    @Test("Enqueue accepts until capacity, counting ready, waiting and in-flight messages")
    func capacity() {
        var state = makeState(capacity: 3)
        #expect(state.enqueue(makeMessage()) == true)
        #expect(state.enqueue(makeMessage()) == true)
        #expect(state.freeCapacity == 1)
        #expect(state.enqueue(makeMessage()) == true)
        #expect(state.enqueue(makeMessage()) == false)
        #expect(state.depth == 3)
        #expect(state.freeCapacity == 0)
        #expect(state.counters.enqueued == 3)

        // In flight still counts; a deleted message frees its place.
        let leases = state.receive(now: t0, maximum: 1)
        #expect(state.enqueue(makeMessage()) == false)
        state.complete(leases[0])
        #expect(state.enqueue(makeMessage()) == true)
        #expect(state.depth == 3)
    }

    @Test("Receive returns messages in order, up to the maximum, and hides them")
    func receiveOrder() {
        var state = makeState()
        for id in ["a", "b", "c"] { _ = state.enqueue(makeMessage(makeEvent(id: id))) }
        let first = state.receive(now: t0, maximum: 2)
        #expect(first.map(\.message.event.id) == ["a", "b"])
        #expect(first.map(\.attempt) == [1, 1])
        #expect(state.readyCount == 1)
        #expect(state.inFlightCount == 2)
        let second = state.receive(now: t0, maximum: 5)
        #expect(second.map(\.message.event.id) == ["c"])
        #expect(state.receive(now: t0.adding(seconds: 29), maximum: 5).isEmpty)
        #expect(state.nextWakeup == t0.adding(seconds: 30))
        #expect(Set((first + second).map(\.messageId)).count == 3)
    }

    @Test("An empty queue has nothing to receive and no wakeup")
    func emptyQueue() {
        var state = makeState()
        #expect(state.receive(now: t0, maximum: 10).isEmpty)
        #expect(state.nextWakeup == nil)
        #expect(state.depth == 0)
    }

    @Test("Complete deletes the message; completing twice changes nothing")
    func complete() {
        var state = makeState()
        _ = state.enqueue(makeMessage())
        let lease = state.receive(now: t0, maximum: 1)[0]
        state.complete(lease)
        #expect(state.depth == 0)
        #expect(state.counters.delivered == 1)
        #expect(state.nextWakeup == nil)
        state.complete(lease)
        #expect(state.counters.delivered == 1)
        #expect(state.receive(now: t0.adding(seconds: 60), maximum: 1).isEmpty)
        #expect(promote(&state, at: t0.adding(seconds: 60)).isEmpty)
    }

    // MARK: Retries

    @Test("A retryable failure schedules a retry within the full-jitter bound", arguments: UInt64(0)..<20)
    func retrySchedule(seed: UInt64) throws {
        var state = makeState()
        _ = state.enqueue(makeMessage())
        let lease = state.receive(now: t0, maximum: 1)[0]
        let failedAt = t0.adding(milliseconds: 250)
        let due = try #require(retryTime(fail(&state, lease, at: failedAt, seed: seed)))
        let ceiling = state.retryPolicy.backoffCeiling(retry: 0)
        #expect(due >= failedAt)
        #expect(due <= failedAt.adding(milliseconds: ceiling))
        #expect(state.waitingCount == 1)
        #expect(state.inFlightCount == 0)
        #expect(state.nextWakeup == due)
        #expect(state.waitingMessages.first?.dueAt == due)
        #expect(state.waitingMessages.first?.attempts.first?.failure == retryable)

        // Not visible before it is due, visible from then on.
        #expect(state.receive(now: due.adding(milliseconds: -1), maximum: 1).isEmpty)
        let retried = state.receive(now: due, maximum: 1)
        #expect(retried.count == 1)
        #expect(retried.first?.attempt == 2)
        #expect(retried.first?.messageId == lease.messageId)
        #expect(state.waitingCount == 0)
    }

    @Test("Later retries use larger backoff ceilings")
    func backoffGrows() throws {
        var state = makeState(policy: RetryPolicy(baseDelay: .seconds(1), maximumDelay: .seconds(300)))
        _ = state.enqueue(makeMessage())
        var now = t0
        for retry in 0..<6 {
            let lease = try #require(state.receive(now: now, maximum: 1).first)
            #expect(lease.attempt == retry + 1)
            let due = try #require(retryTime(fail(&state, lease, at: now, seed: UInt64(retry))))
            #expect(due.milliseconds - now.milliseconds <= state.retryPolicy.backoffCeiling(retry: retry))
            now = due
        }
        #expect(state.counters.retried == 6)
        #expect(state.counters.failedAttempts == 6)
    }

    @Test("Exhausting MaximumRetryAttempts dead-letters with the condition and RETRY_ATTEMPTS")
    func maximumRetryAttempts() throws {
        var state = makeState(policy: RetryPolicy(maximumRetryAttempts: 2, baseDelay: .seconds(1), maximumDelay: .seconds(1)))
        _ = state.enqueue(makeMessage())
        var now = t0
        var attemptTimes: [Timestamp] = []
        for _ in 0..<2 {
            let lease = try #require(state.receive(now: now, maximum: 1).first)
            attemptTimes.append(now)
            now = try #require(retryTime(fail(&state, lease, at: now.adding(milliseconds: 10))))
        }
        let lease = try #require(state.receive(now: now, maximum: 1).first)
        attemptTimes.append(now)
        #expect(lease.attempt == 3)
        let failedAt = now.adding(milliseconds: 10)
        let entry = try #require(deadLetter(fail(&state, lease, at: failedAt)))
        #expect(entry.exhaustedRetryCondition == .maximumRetryAttempts)
        #expect(entry.retryAttempts == 2)
        #expect(entry.attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts")
        #expect(entry.attributes["RETRY_ATTEMPTS"] == "2")
        #expect(entry.errorCode == "ERROR_FROM_TARGET")
        #expect(entry.errorMessage == "HTTP 503")
        #expect(entry.attempts.map(\.number) == [1, 2, 3])
        #expect(entry.attempts.map(\.startedAt) == attemptTimes)
        #expect(entry.attempts.allSatisfy { $0.failure == retryable })
        #expect(entry.firstAttemptAt == attemptTimes.first)
        #expect(entry.lastAttemptAt == attemptTimes.last)
        #expect(entry.deadLetteredAt == failedAt)
        #expect(entry.ingestedAt == t0)
        #expect(entry.eventId == makeEvent().id)
        #expect(entry.event == makeEvent().jsonText)
        #expect(entry.target == testTarget)
        #expect(entry.ruleArn == "arn:aws:events:us-east-1:123456789012:rule/EntityUpdated")
        #expect(entry.id == "dl-1")
        #expect(state.depth == 0)
        #expect(state.counters.enqueued == 1)
        #expect(state.counters.failedAttempts == 3)
        #expect(state.counters.retried == 2)
        #expect(state.counters.deadLettered == 1)
        #expect(state.counters.delivered == 0)
    }

    @Test("MaximumRetryAttempts 0: the first retryable failure dead-letters")
    func zeroRetries() throws {
        var state = makeState(policy: RetryPolicy(maximumRetryAttempts: 0))
        _ = state.enqueue(makeMessage())
        let lease = try #require(state.receive(now: t0, maximum: 1).first)
        let entry = try #require(deadLetter(fail(&state, lease, at: t0)))
        #expect(entry.exhaustedRetryCondition == .maximumRetryAttempts)
        #expect(entry.retryAttempts == 0)
    }

    @Test("Exhausting MaximumEventAgeInSeconds dead-letters with that condition")
    func maximumEventAge() throws {
        var state = makeState(policy: RetryPolicy(maximumEventAgeSeconds: 60, baseDelay: .seconds(1), maximumDelay: .seconds(1)))
        _ = state.enqueue(makeMessage(makeEvent(ingestedAt: t0)))
        let first = try #require(state.receive(now: t0.adding(seconds: 10), maximum: 1).first)
        let due = try #require(retryTime(fail(&state, first, at: t0.adding(seconds: 10))))
        let second = try #require(state.receive(now: due, maximum: 1).first)
        let entry = try #require(deadLetter(fail(&state, second, at: t0.adding(seconds: 61))))
        #expect(entry.exhaustedRetryCondition == .maximumEventAge)
        #expect(entry.attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumEventAgeInSeconds")
        #expect(entry.retryAttempts == 1)
        #expect(entry.attributes["RETRY_ATTEMPTS"] == "1")
    }

    @Test("A non-retryable failure dead-letters at once, with no exhausted condition")
    func nonRetryableFailure() throws {
        var state = makeState()
        _ = state.enqueue(makeMessage())
        let lease = try #require(state.receive(now: t0, maximum: 1).first)
        let entry = try #require(deadLetter(fail(&state, lease, nonRetryable, at: t0.adding(seconds: 1))))
        #expect(entry.exhaustedRetryCondition == nil)
        #expect(entry.attributes["EXHAUSTED_RETRY_CONDITION"] == nil)
        #expect(entry.retryAttempts == 0)
        #expect(entry.attributes["RETRY_ATTEMPTS"] == "0")
        #expect(entry.errorCode == "NO_PERMISSIONS")
        #expect(entry.errorMessage == "HTTP 403")
        #expect(entry.attempts == [DeliveryAttempt(number: 1, startedAt: t0, failure: nonRetryable)])
        #expect(state.depth == 0)
        #expect(state.counters.retried == 0)
        #expect(state.counters.deadLettered == 1)
        #expect(state.counters.failedAttempts == 1)
    }

    @Test("Retry-After later than the backoff is respected")
    func retryAfter() throws {
        var state = makeState()
        _ = state.enqueue(makeMessage())
        let lease = try #require(state.receive(now: t0, maximum: 1).first)
        let notBefore = t0.adding(seconds: 600)
        let throttled = DeliveryFailure(code: "THROTTLING", message: "HTTP 429", retryable: true, retryAfter: notBefore)
        #expect(retryTime(fail(&state, lease, throttled, at: t0)) == notBefore)
        #expect(state.receive(now: notBefore.adding(milliseconds: -1), maximum: 1).isEmpty)
        #expect(state.receive(now: notBefore, maximum: 1).count == 1)
    }

    @Test("Retry-After beyond the event's age limit dead-letters with MaximumEventAgeInSeconds")
    func retryAfterBeyondAge() throws {
        var state = makeState(policy: RetryPolicy(maximumEventAgeSeconds: 60))
        _ = state.enqueue(makeMessage())
        let lease = try #require(state.receive(now: t0, maximum: 1).first)
        let throttled = DeliveryFailure(code: "THROTTLING", message: "HTTP 429", retryable: true, retryAfter: t0.adding(seconds: 61))
        let entry = try #require(deadLetter(fail(&state, lease, throttled, at: t0)))
        #expect(entry.exhaustedRetryCondition == .maximumEventAge)
        #expect(entry.errorCode == "THROTTLING")
    }

    // MARK: Visibility timeout and stale leases

    @Test("A lease that outlives the visibility timeout counts as a TIMEOUT attempt")
    func visibilityTimeout() throws {
        var state = makeState(visibilityTimeout: .seconds(30))
        _ = state.enqueue(makeMessage())
        let lease = try #require(state.receive(now: t0, maximum: 1).first)
        #expect(promote(&state, at: t0.adding(milliseconds: 29_999)).isEmpty)
        #expect(state.inFlightCount == 1)
        #expect(state.counters.failedAttempts == 0)

        #expect(promote(&state, at: t0.adding(seconds: 30)).isEmpty)
        #expect(state.inFlightCount == 0)
        #expect(state.counters.failedAttempts == 1)
        #expect(state.counters.retried == 1)
        let waiting = try #require(state.waitingMessages.first)
        #expect(waiting.id == lease.messageId)
        #expect(waiting.attempts.count == 1)
        #expect(waiting.attempts[0].failure?.code == "TIMEOUT")
        #expect(waiting.attempts[0].failure?.retryable == true)

        let retried = try #require(state.receive(now: waiting.dueAt, maximum: 1).first)
        #expect(retried.attempt == 2)
    }

    @Test("A timed-out lease with no retries left is dead-lettered by promoteDue")
    func visibilityTimeoutExhausted() throws {
        var state = makeState(policy: RetryPolicy(maximumRetryAttempts: 0), visibilityTimeout: .seconds(30))
        _ = state.enqueue(makeMessage())
        _ = state.receive(now: t0, maximum: 1)
        let entries = promote(&state, at: t0.adding(seconds: 31))
        #expect(entries.count == 1)
        #expect(entries.first?.errorCode == "TIMEOUT")
        #expect(entries.first?.errorMessage == "No result within the visibility timeout.")
        #expect(entries.first?.exhaustedRetryCondition == .maximumRetryAttempts)
        #expect(entries.first?.deadLetteredAt == t0.adding(seconds: 31))
        #expect(state.depth == 0)
    }

    @Test("Completing or failing a stale lease is ignored")
    func staleLease() throws {
        var state = makeState(visibilityTimeout: .seconds(30))
        _ = state.enqueue(makeMessage())
        let stale = try #require(state.receive(now: t0, maximum: 1).first)
        _ = promote(&state, at: t0.adding(seconds: 30))

        // While the message waits for its retry.
        state.complete(stale)
        #expect(state.counters.delivered == 0)
        #expect(state.waitingCount == 1)
        #expect(fail(&state, stale, nonRetryable, at: t0.adding(seconds: 31)) == .ignored)
        #expect(state.waitingCount == 1)
        #expect(state.counters.deadLettered == 0)

        // While the retry is in flight.
        let current = try #require(state.receive(now: t0.adding(seconds: 60), maximum: 1).first)
        state.complete(stale)
        #expect(fail(&state, stale, nonRetryable, at: t0.adding(seconds: 61)) == .ignored)
        #expect(state.inFlightCount == 1)
        #expect(state.counters.delivered == 0)
        state.complete(current)
        #expect(state.counters.delivered == 1)
        #expect(state.depth == 0)
    }

    // MARK: Operator actions

    @Test("retryNow makes a waiting message ready at once")
    func retryNow() throws {
        var state = makeState()
        _ = state.enqueue(makeMessage())
        let lease = try #require(state.receive(now: t0, maximum: 1).first)
        let throttled = DeliveryFailure(code: "THROTTLING", message: "HTTP 429", retryable: true, retryAfter: t0.adding(seconds: 600))
        _ = fail(&state, lease, throttled, at: t0)
        #expect(state.retryNow(lease.messageId + 100) == false)
        #expect(state.retryNow(lease.messageId) == true)
        #expect(state.retryNow(lease.messageId) == false)
        #expect(state.waitingCount == 0)
        #expect(state.readyCount == 1)
        #expect(state.receive(now: t0.adding(seconds: 1), maximum: 1).first?.attempt == 2)
    }

    @Test("After retryNow, the old due time does not promote a later retry early")
    func retryNowThenRescheduled() throws {
        var state = makeState()
        _ = state.enqueue(makeMessage())
        let first = try #require(state.receive(now: t0, maximum: 1).first)
        let firstDue = t0.adding(seconds: 600)
        _ = fail(&state, first, DeliveryFailure(code: "THROTTLING", message: "429", retryable: true, retryAfter: firstDue), at: t0)
        #expect(state.retryNow(first.messageId) == true)
        let second = try #require(state.receive(now: t0.adding(seconds: 1), maximum: 1).first)
        let secondDue = t0.adding(seconds: 1200)
        _ = fail(
            &state,
            second,
            DeliveryFailure(code: "THROTTLING", message: "429", retryable: true, retryAfter: secondDue),
            at: t0.adding(seconds: 1)
        )
        #expect(state.receive(now: firstDue, maximum: 1).isEmpty)
        #expect(state.waitingCount == 1)
        #expect(state.receive(now: secondDue, maximum: 1).first?.attempt == 3)
    }

    @Test("cancelRetry dead-letters a waiting message with its last error")
    func cancelRetry() throws {
        var state = makeState()
        _ = state.enqueue(makeMessage())
        let lease = try #require(state.receive(now: t0, maximum: 1).first)
        let due = try #require(retryTime(fail(&state, lease, at: t0)))
        #expect(state.cancelRetry(lease.messageId + 1, now: t0, deadLetterId: "x") == nil)
        let cancelled = state.cancelRetry(lease.messageId, now: t0.adding(seconds: 2), deadLetterId: "cancelled")
        let entry = try #require(cancelled)
        #expect(entry.id == "cancelled")
        #expect(entry.errorCode == "ERROR_FROM_TARGET")
        #expect(entry.errorMessage == "Retries cancelled by an operator; last error: HTTP 503")
        #expect(entry.exhaustedRetryCondition == nil)
        #expect(entry.retryAttempts == 0)
        #expect(entry.deadLetteredAt == t0.adding(seconds: 2))
        #expect(state.depth == 0)
        #expect(state.counters.deadLettered == 1)
        #expect(state.receive(now: due, maximum: 1).isEmpty)
        #expect(state.cancelRetry(lease.messageId, now: t0, deadLetterId: "again") == nil)
    }

    @Test("A drained queue refuses what comes after, so nothing is left where no worker reads")
    func drainedQueueRefusesNewMessages() {
        var state = makeState()
        let before = state.enqueue(makeMessage(makeEvent(id: "before")))
        #expect(before)
        let entries = state.drainAll(failure: .noResource("target removed"), now: t0, deadLetterId: ids.next)
        #expect(entries.map(\.eventId) == ["before"])
        let closed = state.isClosed
        #expect(closed)
        let after = state.enqueue(makeMessage(makeEvent(id: "after")))
        #expect(!after)
        let depth = state.depth
        #expect(depth == 0)
    }

    @Test("drainAll dead-letters ready, waiting and in-flight messages")
    func drainAll() throws {
        var state = makeState()
        for id in ["inflight", "waiting", "ready"] { _ = state.enqueue(makeMessage(makeEvent(id: id))) }
        let leases = state.receive(now: t0, maximum: 2)
        _ = fail(&state, leases[1], at: t0)
        #expect(state.readyCount == 1)
        #expect(state.waitingCount == 1)
        #expect(state.inFlightCount == 1)

        let removed = DeliveryFailure.noResource("target removed")
        let entries = state.drainAll(failure: removed, now: t0.adding(seconds: 5), deadLetterId: ids.next)
        #expect(entries.map(\.eventId) == ["ready", "waiting", "inflight"])
        #expect(entries.map(\.id) == ["dl-1", "dl-2", "dl-3"])
        #expect(entries.allSatisfy { $0.errorCode == "NO_RESOURCE" && $0.errorMessage == "target removed" })
        #expect(entries.allSatisfy { $0.exhaustedRetryCondition == nil && $0.deadLetteredAt == t0.adding(seconds: 5) })
        #expect(entries.map(\.attempts.count) == [0, 1, 1])
        #expect(entries[0].firstAttemptAt == nil)
        #expect(state.depth == 0)
        #expect(state.nextWakeup == nil)
        #expect(state.counters.deadLettered == 3)
        #expect(state.receive(now: t0.adding(seconds: 3600), maximum: 10).isEmpty)
    }

    @Test("nextWakeup is the earliest of due retries and lease expiries")
    func nextWakeup() throws {
        var state = makeState(visibilityTimeout: .seconds(30))
        _ = state.enqueue(makeMessage())
        _ = state.enqueue(makeMessage())
        let leases = state.receive(now: t0, maximum: 2)
        let throttled = DeliveryFailure(code: "THROTTLING", message: "429", retryable: true, retryAfter: t0.adding(seconds: 10))
        _ = fail(&state, leases[0], throttled, at: t0)
        #expect(state.nextWakeup == t0.adding(seconds: 10))
        state.complete(leases[1])
        #expect(state.nextWakeup == t0.adding(seconds: 10))
        let retried = state.receive(now: t0.adding(seconds: 10), maximum: 1)
        #expect(retried.count == 1)
        #expect(state.nextWakeup == t0.adding(seconds: 40))
    }
}
