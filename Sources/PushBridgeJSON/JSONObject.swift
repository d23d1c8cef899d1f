/// A JSON object whose members keep the order in which they were written.
///
/// A key appears once: setting an existing key replaces its value in place, which gives the
/// "last occurrence wins" rule EventBridge applies to duplicate keys.
public struct JSONObject: Sendable, Hashable, RandomAccessCollection {
    public typealias Member = (key: String, value: JSONValue)

    public private(set) var keys: [String]
    public private(set) var values: [JSONValue]

    public init() {
        self.keys = []
        self.values = []
    }

    public init(_ members: [(String, JSONValue)]) {
        self.init()
        self.keys.reserveCapacity(members.count)
        self.values.reserveCapacity(members.count)
        for (key, value) in members { self[key] = value }
    }

    /// Members whose keys are already known to be distinct (the parser checks as it reads).
    init(uniqueKeys keys: [String], values: [JSONValue]) {
        self.keys = keys
        self.values = values
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { keys.count }
    public subscript(position: Int) -> Member { (keys[position], values[position]) }

    public subscript(key: String) -> JSONValue? {
        get {
            guard let index = keys.firstIndex(of: key) else { return nil }
            return values[index]
        }
        set {
            if let index = keys.firstIndex(of: key) {
                if let newValue {
                    values[index] = newValue
                } else {
                    keys.remove(at: index)
                    values.remove(at: index)
                }
            } else if let newValue {
                keys.append(key)
                values.append(newValue)
            }
        }
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.keys.count == rhs.keys.count else { return false }
        for (key, value) in zip(lhs.keys, lhs.values) where rhs[key] != value {
            return false
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(keys.count)
        for key in keys.sorted() {
            hasher.combine(key)
            hasher.combine(self[key])
        }
    }
}
