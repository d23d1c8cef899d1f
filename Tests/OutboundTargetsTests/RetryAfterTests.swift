import Foundation
import PushBridgeCore
import Testing

@testable import OutboundTargets

/// `Retry-After` comes from a target's answer: whatever it says, the wait is bounded and nothing traps.
@Suite struct RetryAfterTests {
    static let now = Date(timeIntervalSince1970: 1_795_979_421)
    static let nowTimestamp = Timestamp(date: now)

    @Test(arguments: [
        ("120", Int64(120_000)), ("0", 0), ("  7 ", 7000), ("86400", 86_400_000), ("86401", 86_400_000),
        ("9223372036854775807", 86_400_000), ("99999999999999999999999999999", 86_400_000),
    ])
    func delaySecondsAreBoundedToADay(_ header: String, _ milliseconds: Int64) throws {
        let due = try #require(RetryAfter.parse(header, now: Self.now))
        #expect(due - Self.nowTimestamp == .milliseconds(milliseconds))
    }

    @Test func httpDatesAreBoundedBetweenNowAndADay() throws {
        let inTenSeconds = try #require(RetryAfter.parse("Sun, 29 Nov 2026 19:10:31 GMT", now: Self.now))
        #expect(inTenSeconds - Self.nowTimestamp == .seconds(10))
        let past = try #require(RetryAfter.parse("Thu, 01 Jan 1970 00:00:00 GMT", now: Self.now))
        #expect(past == Self.nowTimestamp)
        let farFuture = try #require(RetryAfter.parse("Fri, 31 Dec 9999 23:59:59 GMT", now: Self.now))
        #expect(farFuture - Self.nowTimestamp == .seconds(86_400))
    }

    @Test(arguments: ["", "-1", "1.5", "soon", "+5", "１２"])
    func anythingElseIsIgnored(_ header: String) {
        #expect(RetryAfter.parse(header, now: Self.now) == nil)
    }

    @Test func aHugeRetryAfterOnA503SchedulesWithinADay() throws {
        let response = HTTPResponseFixture.make(status: 503, headers: [("Retry-After", "9223372036854775807")])
        guard case .failed(let failure) = HTTPOutcome.classify(response, now: Self.now) else {
            Issue.record("a 503 must fail")
            return
        }
        let due = try #require(failure.retryAfter)
        #expect(due - Self.nowTimestamp == .seconds(86_400))
        #expect(failure.retryable)
    }
}
