import PushBridgeAuth
import PushBridgeJSON
import Testing

@Suite struct ClaimChecksTests {
    let now = 1_800_000_000.0

    func claims(_ json: String) throws -> JSONObject {
        try #require(try JSONParser.parse(json).objectValue)
    }

    func failure(_ checks: ClaimChecks, _ json: String) throws -> ClaimChecks.Failure? {
        let object = try claims(json)
        do {
            try checks.check(object, now: now)
            return nil
        } catch {
            return error
        }
    }

    @Test func expiryHasLeeway() throws {
        let checks = ClaimChecks(leeway: .seconds(30))
        #expect(try failure(checks, #"{"exp":1800000060}"#) == nil)
        #expect(try failure(checks, #"{"exp":1799999975}"#) == nil, "expired 25 s ago, within the leeway")
        #expect(try failure(checks, #"{"exp":1799999970}"#) == .expired, "expired exactly the leeway ago")
        #expect(try failure(ClaimChecks(leeway: .zero), #"{"exp":1799999999.5}"#) == .expired)
    }

    @Test func aTokenMustExpire() throws {
        #expect(try failure(ClaimChecks(), #"{"sub":"u"}"#) == .missingExpiry)
        #expect(try failure(ClaimChecks(), #"{"exp":"tomorrow"}"#) == .badClaim("exp"))
        #expect(try failure(ClaimChecks(), #"{"exp":1e400}"#) == .badClaim("exp"), "an overflowing number is not a time")
    }

    @Test func notBeforeHasLeeway() throws {
        let checks = ClaimChecks(leeway: .seconds(30))
        #expect(try failure(checks, #"{"exp":1900000000,"nbf":1800000020}"#) == nil)
        #expect(try failure(checks, #"{"exp":1900000000,"nbf":1800000031}"#) == .notYetValid)
        #expect(try failure(checks, #"{"exp":1900000000,"nbf":null}"#) == .badClaim("nbf"))
    }

    @Test func issuerAndAudience() throws {
        let checks = ClaimChecks(issuer: "https://issuer.example", audience: "pushbridge")
        let valid = #"{"exp":1900000000,"iss":"https://issuer.example","aud":"pushbridge"}"#
        #expect(try failure(checks, valid) == nil)
        #expect(try failure(checks, #"{"exp":1900000000,"iss":"https://issuer.example","aud":["other","pushbridge"]}"#) == nil)
        #expect(try failure(checks, #"{"exp":1900000000,"iss":"https://evil.example","aud":"pushbridge"}"#) == .wrongIssuer)
        #expect(try failure(checks, #"{"exp":1900000000,"aud":"pushbridge"}"#) == .wrongIssuer)
        #expect(try failure(checks, #"{"exp":1900000000,"iss":"https://issuer.example","aud":"other"}"#) == .wrongAudience)
        #expect(try failure(checks, #"{"exp":1900000000,"iss":"https://issuer.example"}"#) == .wrongAudience)
        #expect(try failure(ClaimChecks(), #"{"exp":1900000000,"iss":"anyone","aud":"anything"}"#) == nil, "unchecked unless configured")
    }
}

@Suite struct RefreshThrottleTests {
    @Test func oncePerInterval() {
        var throttle = RefreshThrottle(minimumInterval: .seconds(10))
        let t0 = ContinuousClock.now
        let claims = [0, 9, 10, 11].map { throttle.claim(at: t0 + .seconds($0)) }
        #expect(claims == [true, false, true, false])
    }
}
