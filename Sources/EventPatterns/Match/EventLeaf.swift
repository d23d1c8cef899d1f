/// One step through an event array: which array (numbered in the order the flattener met it) and which
/// element. A leaf's trail lists the arrays it sits in, outermost first; it is what array consistency
/// compares.
struct ArrayStep: Sendable, Equatable {
    let array: Int32
    let index: Int32
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

/// A leaf with its place in the event's arrays.
struct EventLeaf: Sendable {
    let value: LeafValue
    let trail: [ArrayStep]

    /// Two leaves can belong to one match when every array they both sit in gave them the same element.
    ///
    /// Trails are root-to-leaf, and an array is reached through a single chain of elements, so two trails
    /// that share an array share the whole chain above it: comparing them in lock-step until the arrays
    /// differ is enough.
    func isConsistent(with other: EventLeaf) -> Bool {
        var position = 0
        let limit = min(trail.count, other.trail.count)
        while position < limit {
            let mine = trail[position]
            let theirs = other.trail[position]
            guard mine.array == theirs.array else { return true }
            guard mine.index == theirs.index else { return false }
            position += 1
        }
        return true
    }
}
