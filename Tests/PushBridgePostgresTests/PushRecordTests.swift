import Testing

@testable import PushBridgePostgres

@Suite("Push records")
struct PushRecordTests {
    let node = "6f1c2b1e-0000-4000-8000-000000000001"

    @Test("Records of every kind parse back, any text unescaped (spaces, newlines, digits, colons, non-ASCII)")
    func roundTrip() throws {
        let records: [PushRecord] = [
            .entity(key: "order 7", frame: #"{"a":"1:2\n3"}"#),
            .user(key: "ü", frame: "12:34"),
            .post(connectionId: "Ab-c=", frame: ""),
            .disconnect(connectionId: "Ab-c="),
            .stored(id: 42),
        ]
        let payload = PushRecord.header(node: node) + records.map(\.encoded).joined()
        let parsed = try #require(PushRecord.parse(payload: payload))
        #expect(parsed.node == node)
        #expect(parsed.records == records)
        #expect(PushRecord.parseStored(Array(PushRecord.entity(key: "k", frame: "f").encoded.utf8)) == .entity(key: "k", frame: "f"))
    }

    @Test(
        "Malformed payloads are refused, never trapped on: lengths past the end, huge or missing lengths, bad nodes",
        arguments: [
            "", "push \n", "push node\n", "push bad/node\ne1:k1:f", "push node\ne9:k1:f", "push node\ne1:k", "push node\ne1:k99999999999999999999:f",
            "push node\ne-1:k1:f", "push node\nx1:k1:f", "push node\nr;", "push node\nr1234567890123456789;", "push node\nr12",
            "pull node\ne1:k1:f",
        ]
    )
    func refused(payload: String) {
        #expect(PushRecord.parse(payload: payload) == nil)
    }

    @Test("A stored record never names another stored record")
    func storedIsNotNested() {
        #expect(PushRecord.parseStored(Array("r5;".utf8)) == nil)
        #expect(PushRecord.parseStored(Array("e1:k1:fe1:k1:f".utf8)) == nil)
    }

    @Test("Large frames and frames holding NUL do not fit in a notification")
    func inline() {
        #expect(PushRecord.entity(key: "k", frame: "small").fitsInline)
        #expect(!PushRecord.entity(key: "k", frame: String(repeating: "x", count: 7000)).fitsInline)
        #expect(!PushRecord.post(connectionId: "c", frame: "a\u{0}b").fitsInline)
    }
}
