/// Values kept under small integer ids that stay valid until the value is removed; freed ids are reused,
/// so the table stays as dense as its live values and ids can index flat arrays.
struct SlotTable<Element> {
    private var elements: [Element?] = []
    private var freeIDs: [Int32] = []

    /// Every id ever handed out, live or free.
    var ids: Range<Int32> { 0..<Int32(elements.count) }

    mutating func insert(_ element: Element) -> Int32 {
        if let id = freeIDs.popLast() {
            elements[Int(id)] = element
            return id
        }
        elements.append(element)
        return Int32(elements.count - 1)
    }

    mutating func remove(_ id: Int32) {
        elements[Int(id)] = nil
        freeIDs.append(id)
    }

    subscript(id: Int32) -> Element? {
        get { elements[Int(id)] }
        // In place, so that changing a field of a stored value does not copy the value's arrays.
        _modify { yield &elements[Int(id)] }
    }
}

extension SlotTable: Sendable where Element: Sendable {}
