/// A pattern EventBridge would refuse with `InvalidEventPatternException`.
///
/// `reason` carries event-ruler's own wording (the text AWS puts after `Reason:`), so callers can return
/// exactly what AWS returns and tests can compare reasons verbatim.
public struct InvalidEventPattern: Error, Sendable, Equatable, CustomStringConvertible {
    /// Ruler's reason text, e.g. `"source" must be an object or an array`.
    public let reason: String
    /// Where the JSON parser stopped, for syntax errors (1-based, like Jackson). `nil` for semantic errors:
    /// the compiler works on parsed values and does not keep token positions.
    public let line: Int?
    public let column: Int?
    /// The pattern text, echoed in the Jackson-like location line.
    public let pattern: String

    public init(reason: String, pattern: String, line: Int? = nil, column: Int? = nil) {
        self.reason = reason
        self.pattern = pattern
        self.line = line
        self.column = column
    }

    /// The message AWS returns: `Event pattern is not valid. Reason: <reason>`, followed by Jackson's
    /// `at [Source: (String)"…"; line: L, column: C]` line when a location is known.
    public var message: String {
        var text = "Event pattern is not valid. Reason: \(reason)"
        if let line, let column {
            text += "\n at [Source: (String)\"\(pattern)\"; line: \(line), column: \(column)]"
        }
        return text
    }

    public var description: String { message }
}
