import PushBridgeAuth
import PushBridgeJSON
import Testing

@Suite struct IAMWildcardTests {
    @Test(arguments: [
        ("arn:aws:execute-api:us-east-1:000000000000:pushbridge/dev/$connect", true),
        ("arn:aws:execute-api:*", true), ("*", true), ("arn:aws:execute-api:us-east-1:*:pushbridge/*/$connect", true),
        ("arn:aws:execute-api:us-east-1:000000000000:pushbridge/prod/$connect", false),
        ("arn:aws:execute-api:us-east-?:000000000000:pushbridge/dev/$connect", true),
        ("arn:aws:execute-api:us-east-1:000000000000:pushbridge/dev/$connec?", true),
        ("arn:aws:execute-api:us-east-1:000000000000:pushbridge/dev/$connect?", false),
        ("arn:aws:execute-api:us-east-1:000000000000:other/dev/$connect", false), ("", false),
        ("ARN:aws:execute-api:us-east-1:000000000000:pushbridge/dev/$connect", false),
    ])
    func resources(pattern: String, matches: Bool) {
        #expect(IAMWildcard(pattern).matches("arn:aws:execute-api:us-east-1:000000000000:pushbridge/dev/$connect") == matches, "\(pattern)")
    }

    @Test func actionsIgnoreCase() {
        #expect(IAMWildcard("Execute-API:invoke", ignoringCase: true).matches("execute-api:Invoke"))
        #expect(IAMWildcard("execute-api:*", ignoringCase: true).matches("execute-api:Invoke"))
        #expect(!IAMWildcard("execute-api:ManageConnections", ignoringCase: true).matches("execute-api:Invoke"))
    }

    @Test func aHostilePatternTakesBoundedTime() {
        let text = String(repeating: "a", count: 8_000)
        let elapsed = ContinuousClock().measure { #expect(!IAMWildcard(String(repeating: "*a", count: 50) + "b").matches(text)) }
        #expect(elapsed < .seconds(5))
    }
}

@Suite struct AuthorizerAnswerTests {
    static let methodArn = "arn:aws:execute-api:us-east-1:000000000000:pushbridge/dev/$connect"

    func answer(_ json: String) throws -> AuthorizerAnswer {
        try AuthorizerAnswer.parse(Array(json.utf8))
    }

    func decision(_ json: String) throws -> AuthorizerAnswer.Decision {
        try answer(json).decision(for: Self.methodArn)
    }

    func policy(_ statements: String, principal: String = #""user-1""#, context: String = "") -> String {
        #"{"principalId":\#(principal),"policyDocument":{"Version":"2012-10-17","Statement":\#(statements)}\#(context)}"#
    }

    @Test func theSamplesAllowAnswerLetsTheUserInWithItsContext() throws {
        let json = policy(
            #"[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"\#(Self.methodArn)"}]"#,
            context: #","context":{"userId":"user-1","plan":"pro","seats":3,"admin":false}"#
        )
        guard case .allow(let identity) = try decision(json) else {
            Issue.record("not allowed")
            return
        }
        #expect(identity.userId == "user-1")
        #expect(identity.claims["plan"] == .string("pro"))
        #expect(identity.claims["seats"]?.jsonText == "3")
        #expect(identity.claims["admin"] == .bool(false))
        #expect(Array(identity.claims.keys) == ["userId", "plan", "seats", "admin"])
    }

    @Test func actionsAndResourcesMayBeArraysAndWildcards() throws {
        let arrays = policy(
            #"[{"Action":["execute-api:ManageConnections","execute-api:*"],"Effect":"Allow","Resource":["arn:aws:execute-api:eu-west-1:*","arn:aws:execute-api:us-east-1:*:pushbridge/*"]}]"#
        )
        #expect(try decision(arrays) != .deny)
        let single = #"{"principalId":"u","policyDocument":{"Statement":{"Action":"*","Effect":"Allow","Resource":"*"}}}"#
        #expect(try decision(single) != .deny, "a single statement object")
        let otherResource = policy(#"[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:*:*:pushbridge/prod/*"}]"#)
        #expect(try decision(otherResource) == .deny, "an Allow for another stage is no Allow")
        let otherAction = policy(#"[{"Action":"execute-api:ManageConnections","Effect":"Allow","Resource":"*"}]"#)
        #expect(try decision(otherAction) == .deny)
        #expect(try decision(policy("[]")) == .deny, "no statement: IAM's implicit deny")
    }

    @Test func anExplicitDenyWinsOverEveryAllow() throws {
        let json = policy(
            #"""
            [{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"},
             {"Action":"execute-api:*","Effect":"Deny","Resource":"arn:aws:execute-api:us-east-1:000000000000:pushbridge/dev/*"},
             {"Action":"execute-api:Invoke","Effect":"Allow","Resource":"\#(Self.methodArn)"}]
            """#
        )
        #expect(try decision(json) == .deny)
        let denyElsewhere = policy(
            #"[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"},{"Action":"execute-api:Invoke","Effect":"Deny","Resource":"arn:aws:execute-api:*:*:pushbridge/prod/*"}]"#
        )
        #expect(try decision(denyElsewhere) != .deny, "a Deny for another resource does not apply")
    }

    @Test func aDenyNeedsNoPrincipalButAnAllowDoes() throws {
        let deny = #"{"policyDocument":{"Statement":[{"Action":"execute-api:Invoke","Effect":"Deny","Resource":"*"}]}}"#
        #expect(try decision(deny) == .deny)
        let allow = #"[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]"#
        #expect(throws: AuthorizerAnswer.Invalid.self) { try decision(policy(allow, principal: "null")) }
        #expect(throws: AuthorizerAnswer.Invalid.self) { try decision(policy(allow, principal: #""""#)) }
        #expect(throws: AuthorizerAnswer.Invalid.self) { try decision(policy(allow, principal: "\"\(String(repeating: "u", count: 257))\"")) }
    }

    @Test(arguments: [
        "", "not json", "[]", #""text""#, #"{"principalId":"u"}"#, #"{"principalId":7,"policyDocument":{"Statement":[]}}"#,
        #"{"principalId":"u","policyDocument":{"Statement":"Allow"}}"#,
        #"{"principalId":"u","policyDocument":{"Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}}"#,
        #"{"principalId":"u","policyDocument":{"Statement":[{"Effect":"Allow","Resource":"*"}]}}"#,
        #"{"principalId":"u","policyDocument":{"Statement":[{"Effect":"Allow","Action":"*"}]}}"#,
        #"{"principalId":"u","policyDocument":{"Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}}"#,
        #"{"principalId":"u","policyDocument":{"Statement":[{"Effect":"Allow","Action":[7],"Resource":"*"}]}}"#,
        #"{"principalId":"u","policyDocument":{"Statement":[{"Effect":"Allow","NotAction":"x","Action":"*","Resource":"*"}]}}"#,
        #"{"principalId":"u","policyDocument":{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{}}]}}"#,
        #"{"principalId":"u","policyDocument":{"Statement":[]},"context":{"nested":{"a":1}}}"#,
        #"{"principalId":"u","policyDocument":{"Statement":[]},"context":{"list":[1]}}"#,
        #"{"principalId":"u","policyDocument":{"Statement":[]},"context":"plan=pro"}"#,
    ])
    func answersNotOfThePolicysShapeAreInvalid(json: String) {
        #expect(throws: AuthorizerAnswer.Invalid.self) { try answer(json) }
    }

    @Test func anAnswerOverEightKiBIsInvalid() {
        let padding = String(repeating: "x", count: AuthorizerAnswer.maximumBytes)
        #expect(throws: AuthorizerAnswer.Invalid.self) { try answer(policy("[]", context: #","context":{"pad":"\#(padding)"}"#)) }
    }
}
