import Testing

@testable import AWSSigV4

@Suite struct InboundRequestHeadTests {
    @Test("Header names match whatever their ASCII case, and only whole names match")
    func headerLookupIgnoresCase() {
        let head = InboundRequestHead(
            method: "POST",
            path: "/",
            headers: [("Host", "a"), ("ORIGIN", "https://one.example"), ("origin", "https://two.example"), ("X-Origin", "x"), ("Orígin", "y")]
        )
        #expect(head.firstValue(of: "origin") == "https://one.example")
        #expect(head.values(of: "origin") == ["https://one.example", "https://two.example"])
        #expect(head.firstValue(of: "host") == "a")
        #expect(head.firstValue(of: "x-origin") == "x")
        #expect(head.firstValue(of: "orig") == nil)
        #expect(!InboundRequestHead.name("[rigin", is: "{rigin"))  // only A-Z fold onto a-z
        #expect(InboundRequestHead.name("Content-Type", is: "content-type"))
    }
}
