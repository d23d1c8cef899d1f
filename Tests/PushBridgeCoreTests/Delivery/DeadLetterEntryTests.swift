import Foundation
import PushBridgeCore
import TestSupport
import Testing

@Suite("DeadLetterEntry")
struct DeadLetterEntryTests {
    @Test("attributes carry EventBridge's DLQ message attribute names")
    func attributeNames() throws {
        var state = DeliveryQueueState(capacity: 1, retryPolicy: RetryPolicy(maximumRetryAttempts: 0))
        _ = state.enqueue(makeMessage())
        let lease = try #require(state.receive(now: t0, maximum: 1).first)
        var random = SplitMix(seed: 1)
        guard case .deadLettered(let entry) = state.fail(lease, failure: retryable, now: t0, random: &random, deadLetterId: { "id" }) else {
            Issue.record("expected a dead letter")
            return
        }
        #expect(
            entry.attributes == [
                "RULE_ARN": "arn:aws:events:us-east-1:123456789012:rule/EntityUpdated",
                "TARGET_ARN": "arn:pushbridge:websocket:us-east-1:123456789012:subscribers/*",
                "ERROR_CODE": "ERROR_FROM_TARGET",
                "ERROR_MESSAGE": "HTTP 503",
                "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts",
                "RETRY_ATTEMPTS": "0",
            ]
        )
    }

    @Test("Without an exhausted condition the attribute is absent")
    func noCondition() {
        let entry = makeDeadLetter(id: "a", errorCode: "NO_RESOURCE")
        #expect(Set(entry.attributes.keys) == ["RULE_ARN", "TARGET_ARN", "ERROR_CODE", "ERROR_MESSAGE", "RETRY_ATTEMPTS"])
        #expect(entry.attributes["ERROR_CODE"] == "NO_RESOURCE")
    }

    @Test("Codable round trip")
    func codable() throws {
        let entry = makeDeadLetter(id: "a")
        let data = try JSONEncoder().encode(entry)
        #expect(try JSONDecoder().decode(DeadLetterEntry.self, from: data) == entry)
    }
}
