/// Why a text is not valid JSON, and where (1-based line and column, like Jackson reports them).
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public let offset: Int
    public let line: Int
    public let column: Int

    public var description: String { "\(reason) at line \(line), column \(column)" }
}
