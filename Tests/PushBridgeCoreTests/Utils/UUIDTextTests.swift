import Foundation
import PushBridgeCore
import Testing

@Suite("UUIDText")
struct UUIDTextTests {
    @Test("Version 4, RFC 4122 variant, lower-case 8-4-4-4-12 text that Foundation parses back")
    func shape() throws {
        for _ in 0..<1000 {
            let text = UUIDText.random()
            let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            #expect(parts.map(\.count) == [8, 4, 4, 4, 12])
            #expect(text.allSatisfy { "0123456789abcdef-".contains($0) })
            #expect(parts[2].first == "4")
            #expect("89ab".contains(parts[3].first!))
            let parsed = try #require(UUID(uuidString: text))
            #expect(parsed.uuidString.lowercased() == text)
        }
    }

    @Test("10,000 ids are all different")
    func unique() {
        #expect(Set((0..<10_000).map { _ in UUIDText.random() }).count == 10_000)
    }
}
