import PushBridgeAuth
import Testing

/// Where `$connect` finds a token, in the sample's order: subprotocol, bearer header, query.
@Suite struct TokenSourceTests {
    @Test func theSecondSubprotocolAfterWebsocketIsTheToken() {
        let found = TokenSource.find(subprotocols: ["websocket, a.b.c"], authorization: [], uri: "/dev")
        #expect(found == .init(token: "a.b.c", source: .subprotocol))
        // Case-insensitive `websocket`, the values split over two header lines.
        #expect(TokenSource.find(subprotocols: ["WebSocket", "a.b.c"], authorization: [], uri: "/dev")?.token == "a.b.c")
    }

    @Test func subprotocolsThatDoNotStartWithWebsocketCarryNoToken() {
        #expect(TokenSource.find(subprotocols: ["a.b.c, websocket"], authorization: [], uri: "/dev") == nil)
        #expect(TokenSource.find(subprotocols: ["websocket"], authorization: [], uri: "/dev") == nil)
        #expect(TokenSource.find(subprotocols: ["websocket, "], authorization: [], uri: "/dev") == nil)
    }

    @Test func bearerAuthorizationInAnyCase() {
        #expect(TokenSource.find(subprotocols: [], authorization: ["Bearer a.b.c"], uri: "/") == .init(token: "a.b.c", source: .bearer))
        #expect(TokenSource.find(subprotocols: [], authorization: ["bearer   a.b.c  "], uri: "/")?.token == "a.b.c")
        #expect(TokenSource.find(subprotocols: [], authorization: ["Basic dXNlcjpwdw=="], uri: "/") == nil)
        #expect(TokenSource.find(subprotocols: [], authorization: ["Bearer "], uri: "/") == nil)
    }

    @Test func accessTokenQueryParameterIsPercentDecoded() {
        let found = TokenSource.find(subprotocols: [], authorization: [], uri: "/dev?x=1&access_token=a%2Eb.c&y")
        #expect(found == .init(token: "a.b.c", source: .query))
        #expect(TokenSource.find(subprotocols: [], authorization: [], uri: "/dev?access_token=&other=1") == nil)
        #expect(TokenSource.find(subprotocols: [], authorization: [], uri: "/dev?auth_token=a.b.c") == nil)
        #expect(TokenSource.find(subprotocols: [], authorization: [], uri: "/dev?xaccess_token=a.b.c") == nil)
    }

    @Test func theSubprotocolWinsOverTheHeaderWhichWinsOverTheQuery() {
        let all = TokenSource.find(subprotocols: ["websocket, one"], authorization: ["Bearer two"], uri: "/?access_token=three")
        #expect(all == .init(token: "one", source: .subprotocol))
        let noSubprotocol = TokenSource.find(subprotocols: ["websocket"], authorization: ["Bearer two"], uri: "/?access_token=three")
        #expect(noSubprotocol == .init(token: "two", source: .bearer))
        let queryOnly = TokenSource.find(subprotocols: ["websocket"], authorization: [], uri: "/?access_token=three")
        #expect(queryOnly == .init(token: "three", source: .query))
    }
}
