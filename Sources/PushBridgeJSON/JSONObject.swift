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
        var builder = Builder()
        builder.reserveCapacity(members.count)
        for (key, value) in members { builder.set(key, value) }
        self = builder.object
    }

    /// Builds an object member by member with the duplicate-key rule (the last value wins, in the first key's
    /// place), for the parser and ``init(_:)``.
    ///
    /// Small objects find a key again by scanning; past a few dozen members a dictionary of positions takes over.
    /// Scanning alone made a request body of one object with tens of thousands of keys (well within the PutEvents
    /// size limit) cost seconds of the event loop.
    struct Builder {
        private static let scanLimit = 32
        private(set) var object = JSONObject()
        private var positions: [String: Int]?

        mutating func reserveCapacity(_ count: Int) {
            object.keys.reserveCapacity(count)
            object.values.reserveCapacity(count)
        }

        mutating func set(_ key: String, _ value: JSONValue) {
            if positions == nil, object.keys.count >= Self.scanLimit {
                positions = Dictionary(object.keys.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
            }
            let existing: Int?
            if let positions { existing = positions[key] } else { existing = object.keys.firstIndex(of: key) }
            if let existing {
                object.values[existing] = value
            } else {
                positions?[key] = object.keys.count
                object.keys.append(key)
                object.values.append(value)
            }
        }
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
