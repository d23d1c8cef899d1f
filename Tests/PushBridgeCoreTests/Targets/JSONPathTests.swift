import PushBridgeCore
import PushBridgeJSON
import Testing

@Suite("JSONPath")
struct JSONPathTests {
    let document: JSONValue = [
        "detail": [
            "entityId": "e1",
            "items": [["sku": "a"], ["sku": "b"]],
            "with space": 1,
            "nothing": nil,
            "user-id_2": "u",
        ],
        "resources": ["r0", "r1"],
    ]

    @Test(
        "Valid syntax",
        arguments: [
            "$", "$.detail", "$.detail.entityId", "$.detail.items[0]", "$.detail.items[1].sku", "$['detail']", #"$["detail"]"#,
            "$.detail['with space']", "$.detail.user-id_2", "$.resources[10]", "$.a:b", "$.a/b", "$.a@b",
        ]
    )
    func valid(path: String) throws {
        let parsed = try JSONPath(path)
        #expect(parsed.text == path)
        #expect(parsed.description == path)
    }

    @Test(
        "Invalid syntax",
        arguments: [
            "", "detail", ".detail", "$.", "$..detail", "$.detail.", "$[", "$[0", "$[-1]", "$[abc]", "$[']", "$['a\"]", "$ .a", "$.a b",
            "$.a[0]x", "$$", "$.*", "$.a[*]",
        ]
    )
    func invalid(path: String) {
        let error = #expect(throws: JSONPath.InvalidPath.self) { try JSONPath(path) }
        #expect(error?.path == path)
    }

    @Test("Evaluation: members, indices, quoted members, the root")
    func evaluate() throws {
        #expect(try JSONPath("$").evaluate(document) == document)
        #expect(try JSONPath("$.detail.entityId").evaluate(document) == "e1")
        #expect(try JSONPath("$.detail.items[1].sku").evaluate(document) == "b")
        #expect(try JSONPath("$.detail.items[0]").evaluate(document) == ["sku": "a"])
        #expect(try JSONPath("$.resources[0]").evaluate(document) == "r0")
        #expect(try JSONPath("$.detail['with space']").evaluate(document) == 1)
        #expect(try JSONPath(#"$["detail"]["entityId"]"#).evaluate(document) == "e1")
        #expect(try JSONPath("$.detail.user-id_2").evaluate(document) == "u")
    }

    @Test("A present null is null; something missing is nil")
    func missing() throws {
        #expect(try JSONPath("$.detail.nothing").evaluate(document) == .null)
        #expect(try JSONPath("$.detail.absent").evaluate(document) == nil)
        #expect(try JSONPath("$.resources[2]").evaluate(document) == nil)
        #expect(try JSONPath("$.detail[0]").evaluate(document) == nil)
        #expect(try JSONPath("$.resources.length").evaluate(document) == nil)
        #expect(try JSONPath("$.detail.entityId.more").evaluate(document) == nil)
        #expect(try JSONPath("$.detail.items[0].sku[0]").evaluate(document) == nil)
    }

    @Test("Paths compare by text")
    func hashable() throws {
        #expect(try JSONPath("$.a") == JSONPath("$.a"))
        #expect(try JSONPath("$.a") != JSONPath("$['a']"))
    }
}
