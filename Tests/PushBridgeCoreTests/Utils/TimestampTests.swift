import Foundation
import PushBridgeCore
import Testing

@Suite("Timestamp")
struct TimestampTests {
    @Test("RFC 3339 with seconds drops milliseconds")
    func rfc3339Seconds() {
        #expect(Timestamp(milliseconds: 1_795_979_421_999).rfc3339Seconds == "2026-11-29T19:10:21Z")
        #expect(Timestamp(milliseconds: 1_795_979_421_000).rfc3339Seconds == "2026-11-29T19:10:21Z")
    }

    @Test("Before 1970, seconds round down, not toward zero")
    func beforeEpoch() {
        #expect(Timestamp(milliseconds: -1_500).rfc3339Seconds == "1969-12-31T23:59:58Z")
        #expect(Timestamp(milliseconds: -1_000).rfc3339Seconds == "1969-12-31T23:59:59Z")
    }

    @Test("ISO 8601 with milliseconds")
    func iso8601Milliseconds() {
        #expect(Timestamp(milliseconds: 1_795_979_421_042).iso8601Milliseconds == "2026-11-29T19:10:21.042Z")
        #expect(Timestamp(milliseconds: 1_795_979_421_042).description == "2026-11-29T19:10:21.042Z")
    }

    @Test("Parsing RFC 3339")
    func parsing() {
        #expect(Timestamp(rfc3339: "2026-11-29T19:10:21Z") == Timestamp(milliseconds: 1_795_979_421_000))
        #expect(Timestamp(rfc3339: "2026-11-29T19:10:21.042Z") == Timestamp(milliseconds: 1_795_979_421_042))
        #expect(Timestamp(rfc3339: "2026-11-29T20:10:21+01:00") == Timestamp(milliseconds: 1_795_979_421_000))
        #expect(Timestamp(rfc3339: "nonsense") == nil)
        #expect(Timestamp(rfc3339: "") == nil)
    }

    @Test("Arithmetic with durations")
    func arithmetic() {
        #expect(t0 + .seconds(2) == t0.adding(milliseconds: 2000))
        #expect(t0 + .microseconds(1999) == t0.adding(milliseconds: 1))
        #expect(t0.adding(seconds: 3) - t0 == .seconds(3))
        #expect(t0 < t0.adding(milliseconds: 1))
        #expect(Duration.milliseconds(1234).wholeMilliseconds == 1234)
        #expect(Duration.seconds(5).wholeMilliseconds == 5000)
    }

    @Test("Date conversion")
    func date() {
        #expect(Timestamp(date: Date(timeIntervalSince1970: 1.2345)).milliseconds == 1234)
        #expect(Timestamp(milliseconds: 1500).date == Date(timeIntervalSince1970: 1.5))
    }
}
