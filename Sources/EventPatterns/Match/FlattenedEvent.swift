import PushBridgeJSON

/// An event reduced to what matching needs: every leaf (string, number, boolean, null) with its dotted path
/// and its array trail, indexed by path.
///
/// Flatten once per event and reuse it for every ``RuleMatcher``. Arrays add no path segment and nested
/// arrays are crushed; objects, `[]` and `{}` produce no leaves (so they count as absent for `exists`). Keys
/// are joined with `.`, so the key `"a.b"` and the nesting `a → b` give the same path, as in event-ruler.
/// Paths are compared as UTF-8 bytes, never normalised.
public struct FlattenedEvent: Sendable {
    let leaves: [EventLeaf]
    /// Path (UTF-8 bytes) → indices into `leaves`, in document order.
    let fields: [ByteKey: [Int32]]
    /// True when some leaf sits inside an array; lets consistency checks be skipped otherwise.
    let hasArrays: Bool

    public init(_ event: JSONValue) { self.init(event, keeping: nil) }

    /// Only the leaves `filter` keeps: what the rules of one matcher can read.
    init(_ event: JSONValue, keeping filter: PathFilter?) {
        var builder = Builder(filter: filter)
        if case .object(let object) = event {
            builder.walkObject(object, isRoot: true, trail: [])
        }
        self.leaves = builder.leaves
        self.fields = builder.fields
        self.hasArrays = builder.nextArray > 0
    }

    /// The paths that carry at least one leaf, as strings (for diagnostics and tests).
    public var paths: [String] { fields.keys.map { String(decoding: $0.bytes, as: UTF8.self) }.sorted() }

    private struct Builder {
        let filter: PathFilter?
        var leaves: [EventLeaf] = []
        var fields: [ByteKey: [Int32]] = [:]
        var nextArray: Int32 = 0
        /// The path of the value being walked. One buffer that grows and shrinks with the walk: a key the filter
        /// skips then costs no allocation, and most of an event's keys are skipped.
        var path: [UInt8] = []

        mutating func walkObject(_ object: JSONObject, isRoot: Bool, trail: [ArrayStep]) {
            let parentLength = path.count
            for (key, value) in object {
                path.removeLast(path.count - parentLength)
                if !isRoot { path.append(UInt8(ascii: ".")) }
                path.append(contentsOf: key.utf8)
                if let filter {
                    let key = ByteKey(path)
                    switch value {
                    case .object, .array: guard filter.entersContainer(at: key) else { continue }
                    default: guard filter.keepsLeaf(at: key) else { continue }
                    }
                }
                walk(value, trail: trail)
            }
            path.removeLast(path.count - parentLength)
        }

        mutating func walk(_ value: JSONValue, trail: [ArrayStep]) {
            switch value {
            case .object(let object):
                walkObject(object, isRoot: false, trail: trail)
            case .array(let elements):
                let array = nextArray
                nextArray += 1
                for (index, element) in elements.enumerated() {
                    walk(element, trail: trail + [ArrayStep(array: array, index: Int32(index))])
                }
            case .null: add(.null, trail: trail)
            case .bool(let flag): add(.bool(flag), trail: trail)
            case .number(let number): add(.number(EventNumber(text: number.text)), trail: trail)
            case .string(let string): add(.string(Array(string.utf8)), trail: trail)
            }
        }

        mutating func add(_ value: LeafValue, trail: [ArrayStep]) {
            fields[ByteKey(path), default: []].append(Int32(leaves.count))
            leaves.append(EventLeaf(value: value, trail: trail))
        }
    }
}
