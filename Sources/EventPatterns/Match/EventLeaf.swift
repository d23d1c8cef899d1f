/// One element of an event array, as a node of the tree that the event's arrays form: which array it belongs to
/// (numbered in the order the flattener met it), the element of the enclosing array it sits in (`parent`, or
/// ``none`` at the top), and how many arrays enclose it (`depth`, 0 at the top). A leaf names the innermost
/// element it sits in; the chain of parents from there is its array trail, outermost last.
///
/// The chain is shared by everything below an element, so a flattened event stays linear in the event's size.
/// A trail copied into each leaf cost leaves × nesting depth: one PutEvents detail of under 1 MB, numbers inside
/// a thousand nested arrays, asked for gigabytes.
struct ArrayElement: Sendable {
    static let none: Int32 = -1

    let array: Int32
    let parent: Int32
    let depth: Int32
}

/// A number as the matcher sees it: its text, and its value when the text survives a round trip through
/// `Double` exactly (see ``NumberText``). Numbers without an exact value only ever match by text.
struct EventNumber: Sendable {
    let text: String
    let value: Double?

    init(text: String) {
        self.text = text
        self.value = NumberText.exactDouble(text)
    }
}

/// A scalar from the event. Strings are kept as UTF-8 bytes because matching is byte-exact: Swift's
/// `String ==` uses canonical equivalence, which would make precomposed `é` equal `e` + U+0301.
enum LeafValue: Sendable {
    case null
    case bool(Bool)
    case number(EventNumber)
    case string([UInt8])
}

/// A leaf with its place in the event's arrays: the index of the innermost ``ArrayElement`` holding it in
/// ``FlattenedEvent/elements``, or ``ArrayElement/none`` outside arrays.
struct EventLeaf: Sendable {
    let value: LeafValue
    let element: Int32
}
