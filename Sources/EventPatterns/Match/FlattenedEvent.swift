import PushBridgeJSON

/// An event reduced to what matching needs: every leaf (string, number, boolean, null) with its dotted path
/// and its place in the event's arrays, indexed by path.
///
/// Flatten once per event and reuse it for every ``RuleMatcher``. Arrays add no path segment and nested
/// arrays are crushed; objects, `[]` and `{}` produce no leaves (so they count as absent for `exists`). Keys
/// are joined with `.`, so the key `"a.b"` and the nesting `a → b` give the same path, as in event-ruler.
/// Paths are compared as UTF-8 bytes, never normalised.
public struct FlattenedEvent: Sendable {
    let leaves: [EventLeaf]
    /// Path (UTF-8 bytes) → indices into `leaves`, in document order.
    let fields: [ByteKey: [Int32]]
    /// The elements of the arrays walked, one record each, which the leaves point into.
    let elements: [ArrayElement]
    /// True when some leaf sits inside an array; lets consistency checks be skipped otherwise.
    let hasArrays: Bool

    /// Keeps every leaf. Each distinct path is stored in full, so memory grows with the length of paths times
    /// their number, which deep objects with long keys make large; untrusted events go to `matches(_:)` of
    /// ``EventPattern`` or `matchingRules(for:)` of ``RuleMatcher`` as JSON, and those keep only the paths their
    /// rules read.
    public init(_ event: JSONValue) { self.init(event, keeping: nil) }

    /// Only the leaves `filter` keeps: what the rules of one matcher can read.
    init(_ event: JSONValue, keeping filter: PathFilter?) {
        var builder = Builder(filter: filter)
        if case .object(let object) = event {
            builder.walkObject(object, isRoot: true, element: ArrayElement.none)
        }
        self.leaves = builder.leaves
        self.fields = builder.fields
        self.elements = builder.elements
        self.hasArrays = builder.nextArray > 0
    }

    /// The paths that carry at least one leaf, as strings (for diagnostics and tests).
    public var paths: [String] { fields.keys.map { String(decoding: $0.bytes, as: UTF8.self) }.sorted() }

    /// Whether two leaves can belong to one match: every array they both sit in gave them the same element.
    ///
    /// Their trails share the chain down to their lowest common element (or the event root). Just below it, each
    /// side continues in a different element, and the leaves conflict exactly when those two elements belong to
    /// the same array. Costs at most the nesting depth, and nothing is allocated.
    func areConsistent(_ first: Int32, _ second: Int32) -> Bool {
        areConsistent(element: leaves[Int(first)].element, leaves[Int(second)].element)
    }

    /// ``areConsistent(_:_:)`` for leaves sitting in these elements.
    func areConsistent(element first: Int32, _ second: Int32) -> Bool {
        var mine = first
        var theirs = second
        guard mine != theirs, mine != ArrayElement.none, theirs != ArrayElement.none else { return true }
        while elements[Int(mine)].depth > elements[Int(theirs)].depth { mine = elements[Int(mine)].parent }
        while elements[Int(theirs)].depth > elements[Int(mine)].depth { theirs = elements[Int(theirs)].parent }
        while mine != theirs {
            let left = elements[Int(mine)]
            let right = elements[Int(theirs)]
            if left.parent == right.parent { return left.array != right.array }
            mine = left.parent
            theirs = right.parent
        }
        return true
    }

    private struct Builder {
        let filter: PathFilter?
        var leaves: [EventLeaf] = []
        var fields: [ByteKey: [Int32]] = [:]
        var elements: [ArrayElement] = []
        var nextArray: Int32 = 0
        /// The path of the value being walked. One buffer that grows and shrinks with the walk: a key the filter
        /// skips then costs no allocation, and most of an event's keys are skipped.
        var path: [UInt8] = []

        mutating func walkObject(_ object: JSONObject, isRoot: Bool, element: Int32) {
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
                walk(value, element: element)
            }
            path.removeLast(path.count - parentLength)
        }

        /// `element`: the innermost array element enclosing `value`, or ``ArrayElement/none``.
        mutating func walk(_ value: JSONValue, element: Int32) {
            switch value {
            case .object(let object):
                walkObject(object, isRoot: false, element: element)
            case .array(let values):
                let array = nextArray
                nextArray += 1
                let depth = element == ArrayElement.none ? 0 : elements[Int(element)].depth + 1
                for item in values {
                    elements.append(ArrayElement(array: array, parent: element, depth: depth))
                    walk(item, element: Int32(elements.count - 1))
                }
            case .null: add(.null, element: element)
            case .bool(let flag): add(.bool(flag), element: element)
            case .number(let number): add(.number(EventNumber(text: number.text)), element: element)
            case .string(let string): add(.string(Array(string.utf8)), element: element)
            }
        }

        mutating func add(_ value: LeafValue, element: Int32) {
            fields[ByteKey(path), default: []].append(Int32(leaves.count))
            leaves.append(EventLeaf(value: value, element: element))
        }
    }
}
