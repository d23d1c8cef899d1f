import PushBridgeCore
import Testing

@Suite("ConnectionIDGenerator")
struct ConnectionIDGeneratorTests {
    private static let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~")

    @Test("Ids are 16 URL-safe characters")
    func shape() {
        let generator = ConnectionIDGenerator()
        for _ in 0..<1000 {
            let id = generator.next()
            #expect(id.count == 16)
            #expect(id.allSatisfy { Self.alphabet.contains($0) })
            #expect(!id.hasPrefix("-"), "\(id) would read as an option to the CLI")
            #expect(!id.dropFirst().contains("~"))
        }
    }

    @Test("100,000 ids are all different")
    func unique() {
        let generator = ConnectionIDGenerator()
        var seen = Set<String>()
        for _ in 0..<100_000 { seen.insert(generator.next()) }
        #expect(seen.count == 100_000)
    }

    @Test("Ids are unique across concurrent callers")
    func concurrent() async {
        let generator = ConnectionIDGenerator()
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<4 { group.addTask { (0..<5000).map { _ in generator.next() } } }
            return await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(Set(ids).count == 20_000)
    }

    @Test("Two generators do not produce the same sequence")
    func independent() {
        let a = ConnectionIDGenerator()
        let b = ConnectionIDGenerator()
        #expect((0..<10).map { _ in a.next() } != (0..<10).map { _ in b.next() })
    }

    @Test("A leading dash becomes a tilde, which no other position holds, so ids stay distinct")
    func leadingDash() {
        #expect(ConnectionIDGenerator.leadingDashReplaced("-C12wGAJXF2iaXHp") == "~C12wGAJXF2iaXHp")
        #expect(ConnectionIDGenerator.leadingDashReplaced("C-12wGAJXF2iaXH_") == "C-12wGAJXF2iaXH_")
    }
}
