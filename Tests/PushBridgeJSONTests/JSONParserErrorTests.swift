import PushBridgeJSON
import Testing

@Suite("JSONParser: errors and strictness")
struct JSONParserErrorTests {
    /// Parses `text`, expecting failure, and returns the error.
    private func failure(_ text: String, maximumDepth: Int = JSONParser.defaultMaximumDepth) -> JSONParseError? {
        #expect(throws: JSONParseError.self, "\(text.debugDescription) should not parse") {
            try JSONParser.parse(text, maximumDepth: maximumDepth)
        }
    }

    private func expectError(
        _ text: String,
        _ reason: String,
        line: Int = 1,
        column: Int,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let error = failure(text) else { return }
        #expect(error.reason == reason, sourceLocation: sourceLocation)
        #expect(error.line == line, sourceLocation: sourceLocation)
        #expect(error.column == column, sourceLocation: sourceLocation)
        #expect(error.description == "\(reason) at line \(line), column \(column)", sourceLocation: sourceLocation)
    }

    @Test("Empty and whitespace-only input")
    func emptyInput() {
        expectError("", "Unexpected end of input", column: 1)
        expectError("   ", "Unexpected end of input", column: 4)
        expectError("\n\n", "Unexpected end of input", line: 3, column: 1)
    }

    @Test("Trailing commas are rejected")
    func trailingCommas() {
        expectError("[1,]", "Unexpected character ']'", column: 4)
        expectError(#"{"a":1,}"#, "Expected a string key", column: 8)
        expectError("[,1]", "Unexpected character ','", column: 2)
    }

    @Test("Leading zeros are rejected")
    func leadingZeros() {
        expectError("01", "Leading zeros are not allowed in numbers", column: 2)
        expectError("-01", "Leading zeros are not allowed in numbers", column: 3)
        expectError("[00]", "Leading zeros are not allowed in numbers", column: 3)
        #expect(throws: Never.self) { try JSONParser.parse("0.01") }
        #expect(throws: Never.self) { try JSONParser.parse("-0") }
        #expect(throws: Never.self) { try JSONParser.parse("0e5") }
    }

    @Test("Malformed numbers")
    func malformedNumbers() {
        expectError("-", "Invalid number", column: 2)
        expectError("-a", "Invalid number", column: 2)
        expectError("1.", "Invalid number: expected a digit after '.'", column: 3)
        expectError("1.e5", "Invalid number: expected a digit after '.'", column: 3)
        expectError("1e", "Invalid number: expected a digit in the exponent", column: 3)
        expectError("1e+", "Invalid number: expected a digit in the exponent", column: 4)
        expectError("+1", "Unexpected character '+'", column: 1)
        expectError(".5", "Unexpected character '.'", column: 1)
        expectError("0x1F", "Unexpected character after the JSON value", column: 2)
        expectError("NaN", "Unexpected character 'N'", column: 1)
        expectError("Infinity", "Unexpected character 'I'", column: 1)
    }

    @Test("Unescaped control characters in strings are rejected")
    func controlCharacters() {
        expectError("\"a\tb\"", "Unescaped control character in a string", column: 3)
        expectError("\"a\nb\"", "Unescaped control character in a string", column: 3)
        expectError("\"\u{0}\"", "Unescaped control character in a string", column: 2)
        expectError("\"a\\nbc\u{1}d\"", "Unescaped control character in a string", column: 7)
        expectError("\"\u{1F}\"", "Unescaped control character in a string", column: 2)
        // Also after an escape, on the slow path.
        expectError("\"\\n\u{01}\"", "Unescaped control character in a string", column: 4)
    }

    @Test("Bad escapes")
    func badEscapes() {
        expectError(#""\x""#, "Invalid escape character in a string", column: 4)
        expectError(#""\'""#, "Invalid escape character in a string", column: 4)
        expectError(#""\u12""#, "Invalid unicode escape", column: 4)
        expectError(#""\u12G4""#, "Invalid unicode escape", column: 6)
        expectError(#""\"#, "Unterminated string", column: 3)
    }

    @Test("Unpaired surrogates are rejected")
    func unpairedSurrogates() {
        expectError(#""\uD83D""#, "Unpaired UTF-16 surrogate in a string", column: 8)
        expectError(#""\uD83Dx""#, "Unpaired UTF-16 surrogate in a string", column: 8)
        expectError(#""\uD83D\u0041""#, "Unpaired UTF-16 surrogate in a string", column: 14)
        expectError(#""\uD83D\uD83D""#, "Unpaired UTF-16 surrogate in a string", column: 14)
        expectError(#""\uDE00""#, "Unpaired UTF-16 surrogate in a string", column: 8)
    }

    @Test("Unterminated strings")
    func unterminatedStrings() {
        expectError(#""abc"#, "Unterminated string", column: 5)
        expectError(#"["a\"]"#, "Unterminated string", column: 7)
    }

    @Test("Bad literals")
    func badLiterals() {
        expectError("tru", "Unexpected end of input", column: 1)
        expectError("trUe", "Unrecognized token", column: 1)
        expectError("nul", "Unexpected end of input", column: 1)
        expectError("fals e", "Unrecognized token", column: 1)
        expectError("True", "Unexpected character 'T'", column: 1)
        expectError("truex", "Unexpected character after the JSON value", column: 5)
    }

    @Test("Structural errors in objects and arrays")
    func structure() {
        expectError(#"{"a" 1}"#, "Expected ':' after an object key", column: 6)
        expectError("{1:2}", "Expected a string key", column: 2)
        expectError("{'a':1}", "Expected a string key", column: 2)
        expectError(#"{"a":1 "b":2}"#, "Expected ',' or '}' in an object", column: 8)
        expectError("[1 2]", "Expected ',' or ']' in an array", column: 4)
        expectError("[1", "Expected ',' or ']' in an array", column: 3)
        expectError(#"{"a":"#, "Unexpected end of input", column: 6)
        expectError(#"{"a""#, "Expected ':' after an object key", column: 5)
        expectError("]", "Unexpected character ']'", column: 1)
    }

    @Test("Content after the value is rejected")
    func trailingContent() {
        expectError("[1] x", "Unexpected character after the JSON value", column: 5)
        expectError("{} {}", "Unexpected character after the JSON value", column: 4)
        expectError("1 2", "Unexpected character after the JSON value", column: 3)
    }

    @Test("Only the four JSON whitespace characters are whitespace")
    func whitespace() {
        expectError("\u{0B}1", "Unexpected character '\u{0B}'", column: 1)
        #expect(throws: JSONParseError.self) { try JSONParser.parse("\u{A0}1") }
        #expect(throws: JSONParseError.self) { try JSONParser.parse("1\u{0C}") }
    }

    @Test("Lines and columns count newlines and characters, not bytes")
    func positions() {
        expectError("\n  [1 2]", "Expected ',' or ']' in an array", line: 2, column: 6)
        expectError("{\n\"a\": 1,\n\"b\" 2}", "Expected ':' after an object key", line: 3, column: 5)
        expectError(#"["é",x]"#, "Unexpected character 'x'", column: 6)
        expectError(#"["😀中", ?]"#, "Unexpected character '?'", column: 8)
        let error = failure("\n  [1 2]")
        #expect(error?.offset == 6)
    }

    @Test("Depth beyond the limit is rejected, with a configurable limit")
    func depthLimit() {
        let tooDeep = String(repeating: "[", count: 1001) + String(repeating: "]", count: 1001)
        let error = failure(tooDeep)
        #expect(error?.reason == "Maximum nesting depth 1000 exceeded")
        #expect(error?.column == 1001)

        #expect(throws: Never.self) { try JSONParser.parse("[[1]]", maximumDepth: 2) }
        #expect(failure("[[[1]]]", maximumDepth: 2)?.reason == "Maximum nesting depth 2 exceeded")
        #expect(failure(#"{"a":{"b":{}}}"#, maximumDepth: 2)?.reason == "Maximum nesting depth 2 exceeded")
        #expect(throws: Never.self) { try JSONParser.parse(#"{"a":[1],"b":{"c":2}}"#, maximumDepth: 2) }
    }

    @Test("A megabyte of open brackets or objects stops at the depth limit, not in the stack")
    func depthLimitOfHugeInput() {
        let brackets = failure(String(repeating: "[", count: 1 << 20))
        #expect(brackets?.reason == "Maximum nesting depth 1000 exceeded")
        #expect(brackets?.offset == 1000)
        let objects = failure(String(repeating: #"{"a":"#, count: 200_000))
        #expect(objects?.reason == "Maximum nesting depth 1000 exceeded")
        #expect(objects?.offset == 5000)
    }

    @Test("Invalid UTF-8 in bytes is rejected")
    func invalidUTF8() throws {
        let inString = #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0x22]) }
        #expect(inString?.reason == "Invalid UTF-8 in a string")
        let afterEscape = #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0x5C, 0x6E, 0xC3, 0x22]) }
        #expect(afterEscape?.reason == "Invalid UTF-8 in a string")
        let beforeEscape = #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xE2, 0x82, 0x5C, 0x6E, 0x22]) }
        #expect(beforeEscape?.reason == "Invalid UTF-8 in a string")
        #expect(try JSONParser.parse([0x22, 0xE2, 0x82, 0xAC, 0x5C, 0x6E, 0x22]) == .string("€\n"))
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0xFF]) }
    }
}
