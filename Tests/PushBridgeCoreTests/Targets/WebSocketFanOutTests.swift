import NIOCore
import PushBridgeCore
import Testing

@Suite("WebSocketFanOut")
struct WebSocketFanOutTests {
    private func record(_ id: String) -> ConnectionRecord {
        ConnectionRecord(connectionId: id, sourceIp: "192.0.2.1", userAgent: "test", connectedAt: t0, stage: nil)
    }

    @Test("One frame per subscriber; a full subscriber is closed with 1008 and the others still get the frame")
    func fanOut() async throws {
        let registry = ConnectionRegistry()
        let fast = RecordingSink()
        let slow = RecordingSink(result: .bufferFull)
        let other = RecordingSink()
        let unsubscribed = RecordingSink()
        for (id, sink) in [("fast", fast), ("slow", slow), ("other", other), ("unsubscribed", unsubscribed)] {
            registry.register(record(id), sink: sink)
        }
        for id in ["fast", "slow", "other"] { #expect(registry.subscribe(id, to: "e1") == .subscribed) }
        #expect(registry.subscribe("unsubscribed", to: "e2") == .subscribed)

        let statistics = FanOutStatistics()
        let fanOut = WebSocketFanOut(registry: registry, statistics: statistics)
        #expect(fanOut.maximumConcurrency == 1)
        let outcome = await fanOut.deliver(makeMessage(input: #"{"type":"Entity Updated","entityId":"e1"}"#, routingKey: "e1"))
        #expect(outcome == .delivered)

        #expect(fast.frames == [#"{"type":"Entity Updated","entityId":"e1"}"#])
        #expect(other.frames == [#"{"type":"Entity Updated","entityId":"e1"}"#])
        #expect(unsubscribed.frames.isEmpty)
        #expect(slow.closeCodes == [CloseCode.policyViolation])
        #expect(slow.closeReasons.allSatisfy { $0.contains("slow consumer") })
        #expect(fast.closeCodes.isEmpty && other.closeCodes.isEmpty)
        #expect(statistics.pushedCount == 2)
        #expect(statistics.slowConsumersClosed == 1)
        #expect(statistics.goneSkippedCount == 0)
    }

    @Test("A closed subscriber is skipped and counted; delivery still succeeds")
    func closedSubscriber() async {
        let registry = ConnectionRegistry()
        let gone = RecordingSink(result: .closed)
        let live = RecordingSink()
        registry.register(record("gone"), sink: gone)
        registry.register(record("live"), sink: live)
        _ = registry.subscribe("gone", to: "e1")
        _ = registry.subscribe("live", to: "e1")
        let statistics = FanOutStatistics()
        let outcome = await WebSocketFanOut(registry: registry, statistics: statistics).deliver(makeMessage(input: "hello", routingKey: "e1"))
        #expect(outcome == .delivered)
        #expect(live.frames == ["hello"])
        #expect(gone.closeCodes.isEmpty)
        #expect(statistics.goneSkippedCount == 1)
        #expect(statistics.pushedCount == 1)
    }

    @Test("A full RecordingSink is closed with 1008")
    func fullSinkClosed() async {
        let registry = ConnectionRegistry()
        let full = RecordingSink(result: .bufferFull)
        registry.register(record("full"), sink: full)
        _ = registry.subscribe("full", to: "e1")
        let outcome = await WebSocketFanOut(registry: registry, statistics: FanOutStatistics()).deliver(makeMessage(routingKey: "e1"))
        #expect(outcome == .delivered)
        #expect(full.closeCodes == [1008])
    }

    @Test("No subscribers: delivered, nothing sent")
    func noSubscribers() async {
        let statistics = FanOutStatistics()
        let outcome = await WebSocketFanOut(registry: ConnectionRegistry(), statistics: statistics).deliver(makeMessage(routingKey: "e1"))
        #expect(outcome == .delivered)
        #expect(statistics.pushedCount == 0)
    }

    @Test("No routing key: a non-retryable INVALID_PARAMETER failure")
    func missingRoutingKey() async {
        let outcome = await WebSocketFanOut(registry: ConnectionRegistry(), statistics: FanOutStatistics()).deliver(makeMessage(routingKey: nil))
        guard case .failed(let failure) = outcome else {
            Issue.record("expected a failure")
            return
        }
        #expect(failure.code == "INVALID_PARAMETER")
        #expect(!failure.retryable)
        #expect(failure == .invalidParameter("The event has no subscription key at the target's path parameter."))
    }
}
