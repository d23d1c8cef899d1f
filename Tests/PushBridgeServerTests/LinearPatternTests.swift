import Testing

@testable import PushBridgeServer

@Suite("Linear-time patterns")
struct LinearPatternTests {
    static let modelPatterns: [String] = Array(
        Set(
            ServiceModel.events.shapes.values.compactMap { shape -> String? in
                guard case .string(_, let pattern?, _, _) = shape else { return nil }
                return pattern
            }
        )
    ).sorted()

    /// Pieces the model's patterns care about, glued at random into short values.
    static let pieces = [
        "a", "Z", "0", "9", "-", "_", ".", "/", ":", " ", "\t", "!", "$", "[", "]", "*", "@", "=", "+", "é", "\u{01}", "\n",
        "~", "'", "\u{2028}", "٣", "arn:aws", ":events:", "us-east-1", "123456789012", ":event-bus/", "aws.partner",
        ":secretsmanager:", "[1]", "[*]", "\u{7F}", "\r",
    ]

    /// A fixed sequence of pseudo-random numbers (xorshift), so a failure can be replayed.
    struct Xorshift: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
    }

    @Test("Every pattern of the model is read, and matches as Swift's backtracking Regex does on short values")
    func agreesWithSwiftRegex() throws {
        #expect(Self.modelPatterns.count >= 15)
        var random = Xorshift(state: 0x9E37_79B9_7F4A_7C15)
        for pattern in Self.modelPatterns {
            let linear = try LinearPattern(pattern)
            let regex = try Regex(pattern)
            for _ in 0..<2_000 {
                let count = Int.random(in: 0...7, using: &random)
                let text = (0..<count).map { _ in Self.pieces.randomElement(using: &random)! }.joined()
                let expected = (try regex.wholeMatch(in: text)) != nil
                #expect(linear.wholeMatch(text) == expected, "\(pattern) on \(text.debugDescription)")
            }
            for text in ["a", "aws.partner/a/b", "a.b", "arn:aws:events:us-east-1:123456789012:event-bus/b", "$.a[1]"] {
                #expect(linear.wholeMatch(text) == ((try regex.wholeMatch(in: text)) != nil), "\(pattern) on \(text)")
            }
        }
    }

    @Test("A value that makes a backtracking engine run for minutes is answered")
    func noCatastrophicBacktracking() throws {
        let headerValue = try LinearPattern(#"^[ \t]*[\x20-\x7E]+([ \t]+[\x20-\x7E]+)*[ \t]*$"#)
        // Swift's Regex took 160 s on 41 characters of this; each character more doubles it.
        #expect(!headerValue.wholeMatch(String(repeating: "a ", count: 5_000) + "\u{01}"))
        #expect(headerValue.wholeMatch(String(repeating: "a ", count: 5_000) + "b"))
        #expect(!headerValue.wholeMatch("\t\t"))
        #expect(headerValue.wholeMatch(" "))
        let endpoint = try LinearPattern(#"^[A-Za-z0-9\-]+[\.][A-Za-z0-9\-]+$"#)
        #expect(!endpoint.wholeMatch(String(repeating: "a", count: 100_000)))
    }

    @Test("The regular-expression features outside the model's are refused, not guessed")
    func unsupportedSyntax() {
        for pattern in [#"\bword"#, "(?<name>a)", "a{2000}", "[z-a]", "*a", #"\p{Lu}"#, "(a"] {
            #expect(throws: LinearPatternParser.SyntaxError.self, "\(pattern)") { _ = try LinearPattern(pattern) }
        }
        #expect(throws: Never.self) { _ = try LinearPattern("a{2,}(b|c)?[^x-z]") }
    }
}
