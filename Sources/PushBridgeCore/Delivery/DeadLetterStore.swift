/// Where dead letters are kept until an operator redrives or purges them.
public protocol DeadLetterStore: Sendable {
    func add(_ entry: DeadLetterEntry)
    func entry(id: String) -> DeadLetterEntry?
    /// Entries matching `filter`, oldest first.
    func list(_ filter: DeadLetterFilter) -> [DeadLetterEntry]
    @discardableResult func remove(id: String) -> DeadLetterEntry?
    /// Removes every entry matching `filter` and returns them.
    func removeAll(_ filter: DeadLetterFilter) -> [DeadLetterEntry]
    var count: Int { get }
}

/// Selects dead letters by target, rule, error code and time.
public struct DeadLetterFilter: Sendable, Equatable {
    public var busName: String?
    public var ruleName: String?
    public var targetId: String?
    public var errorCode: String?
    public var since: Timestamp?
    public var until: Timestamp?

    public init(
        busName: String? = nil,
        ruleName: String? = nil,
        targetId: String? = nil,
        errorCode: String? = nil,
        since: Timestamp? = nil,
        until: Timestamp? = nil
    ) {
        self.busName = busName
        self.ruleName = ruleName
        self.targetId = targetId
        self.errorCode = errorCode
        self.since = since
        self.until = until
    }

    public static let all = DeadLetterFilter()

    public func matches(_ entry: DeadLetterEntry) -> Bool {
        if let busName, entry.target.busName != busName { return false }
        if let ruleName, entry.target.ruleName != ruleName { return false }
        if let targetId, entry.target.targetId != targetId { return false }
        if let errorCode, entry.errorCode != errorCode { return false }
        if let since, entry.deadLetteredAt < since { return false }
        if let until, entry.deadLetteredAt > until { return false }
        return true
    }
}
