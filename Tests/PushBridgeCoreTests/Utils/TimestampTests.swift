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

    @Test("Every field is zero-padded; years outside four digits are written whole")
    func padding() {
        #expect(Timestamp(milliseconds: 0).iso8601Milliseconds == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(milliseconds: -62_135_596_800_000).rfc3339Seconds == "0001-01-01T00:00:00Z")
        #expect(Timestamp(milliseconds: 253_402_300_799_999).iso8601Milliseconds == "9999-12-31T23:59:59.999Z")
        #expect(Timestamp(milliseconds: 253_402_300_800_000).rfc3339Seconds == "10000-01-01T00:00:00Z")
    }

    @Test("Formatting agrees with Foundation's ISO 8601 style at 2,000 instants from 1900 to 2100")
    func agreesWithFoundation() {
        let style = Date.ISO8601FormatStyle()
        let start: Int64 = -2_208_988_800  // 1900-01-01, in seconds
        let span: Int64 = 6_311_433_600  // two hundred years
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2_000 {  // bounded
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let seconds = start + Int64(state >> 33) % span
            let milliseconds = Int64(state >> 20) % 1000
            let timestamp = Timestamp(milliseconds: seconds * 1000 + milliseconds)
            // Whole seconds against Foundation (its fractional output goes through a Double and can be off by one).
            let expected = style.format(Date(timeIntervalSince1970: Double(seconds)))
            #expect(timestamp.rfc3339Seconds == expected)
            let fraction = String(milliseconds + 1000).dropFirst()
            #expect(timestamp.iso8601Milliseconds == expected.dropLast() + "." + fraction + "Z")
        }
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

    @Test(
        "Parsing is proleptic Gregorian in every year, so a time prints back as it came (fuzzing found 1000-01-01)",
        arguments: ["1000-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "1582-10-10T12:00:00Z", "1600-02-29T23:59:59Z", "9999-12-31T23:59:59Z"]
    )
    func parsingRoundTrips(_ text: String) throws {
        let parsed = try #require(Timestamp(rfc3339: text))
        #expect(parsed.rfc3339Seconds == text)
    }

    @Test(
        "Offsets, fractions and lower-case separators",
        arguments: [
            ("2024-05-01T12:00:00.5+02:00", "2024-05-01T10:00:00.500Z"), ("2024-05-01t12:00:00.123456z", "2024-05-01T12:00:00.123Z"),
            ("2024-01-01T00:30:00-01:00", "2024-01-01T01:30:00.000Z"),
        ]
    )
    func parsingOffsets(_ text: String, _ expected: String) throws {
        #expect(try #require(Timestamp(rfc3339: text)).iso8601Milliseconds == expected)
    }

    @Test(
        "Not RFC 3339",
        arguments: [
            "", "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01T12:00:00",
            "2024-05-01 12:00:00Z", "2024-05-01T12:00:00.Z", "2024-05-01T12:00:00+2:00", "24-05-01T12:00:00Z", "2024-05-01T12:00:00Zjunk",
            "+2024-05-01T12:00:00Z",
        ]
    )
    func notRFC3339(_ text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    @Test("Arithmetic saturates instead of trapping")
    func saturation() {
        #expect((Timestamp(milliseconds: .max) + .seconds(1)).milliseconds == .max)
        #expect(Timestamp(milliseconds: .min) - Timestamp(milliseconds: .max) == .milliseconds(Int64.min))
        #expect(Timestamp(date: Date(timeIntervalSince1970: 1e300)).milliseconds == .max)
        #expect(Timestamp(date: Date(timeIntervalSince1970: -.infinity)).milliseconds == .min)
        #expect(Duration.seconds(Int64.max).wholeMilliseconds == .max)
    }
}
