import PushBridgeAuth
import PushBridgeCore
import PushBridgeJSON
import Testing

@Suite struct GlobPatternTests {
    @Test(arguments: [
        ("order-42", "order-42", true), ("order-42", "order-421", false), ("order-*", "order-42", true),
        ("order-*", "order-", true), ("order-*", "orde", false), ("*-42", "order-42", true), ("*-42", "order-43", false),
        ("a*b*c", "abc", true), ("a*b*c", "a-x-b-y-c", true), ("a*b*c", "acb", false), ("a*a", "a", false),
        ("a*a", "aa", true), ("*", "", true), ("*", "anything", true), ("**", "x", true), ("", "", true), ("", "x", false),
        ("user:7/*", "user:7/inbox", true), ("user:7/*", "user:70/inbox", false),
    ])
    func matches(pattern: String, text: String, expected: Bool) {
        #expect(GlobPattern(pattern).matches(text) == expected, "\(pattern) against \(text)")
    }

    @Test func aLongHostileTextIsMatchedInLinearTime() {
        let text = String(repeating: "a", count: 100_000)
        let pattern = GlobPattern("*a*a*a*a*a*a*a*a*b")
        let clock = ContinuousClock()
        let elapsed = clock.measure { #expect(!pattern.matches(text)) }
        #expect(elapsed < .seconds(5))
    }
}

@Suite struct SubscribePolicyTests {
    func claims(_ json: String) throws -> JSONObject {
        try #require(try JSONParser.parse(json).objectValue)
    }

    @Test func parsesAnyAndClaimPaths() throws {
        #expect(try SubscribePolicy(parsing: "any") == .any)
        #expect(try SubscribePolicy(parsing: "claim:$.entities") == .defaultWithAuthentication)
        #expect(try SubscribePolicy(parsing: "claim:$.data.allowed").description == "claim:$.data.allowed")
        #expect(throws: SubscribePolicy.Invalid.self) { try SubscribePolicy(parsing: "claim:entities") }
        #expect(throws: SubscribePolicy.Invalid.self) { try SubscribePolicy(parsing: "all") }
    }

    @Test func anyAllowsEverythingEvenWithoutClaims() {
        let grant = SubscribePolicy.any.grant(for: nil)
        #expect(grant == .everything)
        #expect(grant.allows("whatever"))
    }

    @Test func aClaimListsEntitiesAndPatterns() throws {
        let grant = SubscribePolicy.defaultWithAuthentication.grant(for: try claims(#"{"sub":"u1","entities":["myEntityId","order-*",7]}"#))
        #expect(grant.allows("myEntityId"))
        #expect(grant.allows("order-1"))
        #expect(!grant.allows("invoice-1"))
        #expect(!grant.allows("7"), "non-string members are ignored")
    }

    @Test func aSingleStringClaimIsOnePattern() throws {
        let policy = try SubscribePolicy(parsing: "claim:$.data.entity")
        let grant = policy.grant(for: try claims(#"{"data":{"entity":"e-*"}}"#))
        #expect(grant.allows("e-1"))
        #expect(!grant.allows("f-1"))
    }

    @Test func withoutTheClaimNothingIsAllowed() throws {
        #expect(!SubscribePolicy.defaultWithAuthentication.grant(for: try claims(#"{"sub":"u1"}"#)).allows("e"))
        #expect(!SubscribePolicy.defaultWithAuthentication.grant(for: try claims(#"{"entities":{"e":true}}"#)).allows("e"))
        #expect(!SubscribePolicy.defaultWithAuthentication.grant(for: nil).allows("e"))
    }
}

@Suite struct UserIdClaimTests {
    func claims(_ json: String) throws -> JSONObject {
        try #require(try JSONParser.parse(json).objectValue)
    }

    @Test func theSubjectByDefault() throws {
        #expect(UserIdClaim.subject.userId(in: try claims(#"{"sub":"u-1"}"#)) == "u-1")
        #expect(UserIdClaim.subject.userId(in: try claims(#"{"data":{"userId":"u-1"}}"#)) == nil)
    }

    @Test func theSamplesNestedUserId() throws {
        let claim = try UserIdClaim("$.data.userId")
        #expect(claim.userId(in: try claims(#"{"exp":1,"data":{"userId":"myuserid","firstName":"A"}}"#)) == "myuserid")
    }

    @Test func integersAreTextOtherTypesAndEmptyAreNoUser() throws {
        #expect(UserIdClaim.subject.userId(in: try claims(#"{"sub":12345}"#)) == "12345")
        #expect(UserIdClaim.subject.userId(in: try claims(#"{"sub":1.5}"#)) == nil)
        #expect(UserIdClaim.subject.userId(in: try claims(#"{"sub":""}"#)) == nil)
        #expect(UserIdClaim.subject.userId(in: try claims(#"{"sub":["a"]}"#)) == nil)
        #expect(UserIdClaim.subject.userId(in: try claims(#"{"sub":"\#(String(repeating: "x", count: 257))"}"#)) == nil)
    }

    @Test func anInvalidPathIsRefused() {
        #expect(throws: JSONPath.InvalidPath.self) { try UserIdClaim("data.userId") }
    }
}
