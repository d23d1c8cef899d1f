import PushBridgeAuth
import PushBridgeCore
import PushBridgeJSON
import Testing

@Suite struct AuthorizerEventTests {
    static let request = ConnectRequest(
        headers: [
            (name: "Host", value: "push.example.com"), (name: "Sec-WebSocket-Protocol", value: "websocket"),
            (name: "User-Agent", value: "test-client/1"), (name: "X-Trace", value: "a"), (name: "x-trace", value: "b"),
        ],
        uri: "/dev?access_token=t%2B1&room=a&room=b&flag",
        sourceIp: "192.0.2.1",
        connectionId: "AAAA1234bbbbCCCC",
        requestId: "req-1",
        time: Timestamp(milliseconds: 1_707_502_303_420),
        domainName: "push.example.com",
        stage: "dev"
    )

    @Test func hasApiGatewaysRequestAuthorizerShape() throws {
        let event = AuthorizerEvent(Self.request, account: AccountContext(accountId: "123456789012", region: "eu-west-1"))
        let json = try JSONParser.parse(event.json.jsonText)
        #expect(json["type"] == "REQUEST")
        #expect(json["methodArn"] == "arn:aws:execute-api:eu-west-1:123456789012:pushbridge/dev/$connect")
        #expect(event.methodArn == json["methodArn"]?.stringValue)
        #expect(json["headers"]?["User-Agent"] == "test-client/1")
        #expect(json["headers"]?["X-Trace"] == "b", "headers keeps a name's last value")
        #expect(json["multiValueHeaders"]?["X-Trace"] == ["a", "b"], "names differing in case are one header")
        #expect(json["queryStringParameters"] == ["access_token": "t+1", "room": "b", "flag": ""])
        #expect(json["multiValueQueryStringParameters"]?["room"] == ["a", "b"])
        #expect(json["stageVariables"] == .object(JSONObject()))
        let context = try #require(json["requestContext"])
        #expect(context["routeKey"] == "$connect")
        #expect(context["eventType"] == "CONNECT")
        #expect(context["messageDirection"] == "IN")
        #expect(context["stage"] == "dev")
        #expect(context["connectionId"] == "AAAA1234bbbbCCCC")
        #expect(context["requestId"] == "req-1")
        #expect(context["extendedRequestId"] == "req-1")
        #expect(context["requestTime"] == "09/Feb/2024:18:11:43 +0000")
        #expect(context["requestTimeEpoch"]?.jsonText == "1707502303420")
        #expect(context["connectedAt"]?.jsonText == "1707502303420")
        #expect(context["identity"] == ["sourceIp": "192.0.2.1", "userAgent": "test-client/1"])
        #expect(context["domainName"] == "push.example.com")
        #expect(context["apiId"] == "pushbridge")
    }

    @Test func withoutAQueryTheParameterMapsAreEmptyObjects() {
        var request = Self.request
        request.uri = "/dev"
        let event = AuthorizerEvent(request, account: AccountContext())
        #expect(event.json["queryStringParameters"] == .object(JSONObject()))
        #expect(event.json["multiValueQueryStringParameters"] == .object(JSONObject()))
    }
}

@Suite struct AuthorizerIdentitySourceTests {
    @Test func parsesTokenAndApiGatewaysList() throws {
        #expect(try AuthorizerIdentitySource(parsing: "token") == .token)
        let list = try AuthorizerIdentitySource(parsing: "route.request.header.Authorization, route.request.querystring.room")
        #expect(list == .parameters([.header("Authorization"), .queryString("room")]))
        #expect(list.description == "route.request.header.Authorization,route.request.querystring.room")
        for bad in ["", "header.Authorization", "route.request.header.", "token,route.request.header.A", "route.request.path.x"] {
            #expect(throws: AuthorizerIdentitySource.Invalid.self, "\(bad)") { try AuthorizerIdentitySource(parsing: bad) }
        }
    }

    @Test func tokenIsFoundWhereJWTsAre() {
        let source = AuthorizerIdentitySource.token
        #expect(source.values(headers: [(name: "sec-websocket-protocol", value: "websocket, tok-1")], uri: "/dev") == ["tok-1"])
        #expect(source.values(headers: [(name: "Authorization", value: "Bearer tok-2")], uri: "/dev") == ["tok-2"])
        #expect(source.values(headers: [], uri: "/dev?access_token=tok-3") == ["tok-3"])
        #expect(source.values(headers: [(name: "Authorization", value: "Basic abc")], uri: "/dev") == nil)
    }

    @Test func everyListedParameterIsRequired() {
        let source = AuthorizerIdentitySource.parameters([.header("X-Api-Key"), .queryString("room")])
        #expect(source.values(headers: [(name: "x-api-key", value: "k")], uri: "/dev?room=7") == ["k", "7"])
        #expect(source.values(headers: [(name: "x-api-key", value: "k")], uri: "/dev") == nil)
        #expect(source.values(headers: [(name: "x-api-key", value: "")], uri: "/dev?room=7") == nil, "empty counts as missing")
        #expect(source.values(headers: [], uri: "/dev?room=7") == nil)
    }
}
