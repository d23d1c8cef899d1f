/// Array consistency: the leaves chosen for the fields of one sub-rule must agree on the element of every
/// array they share (event-ruler's `rulesForJSONEvent`; its `arrayRule3`/`arrayEvent3` do not match).
enum ArrayConsistency {
    /// Whether one leaf can be picked from each candidate list so that all picks are pairwise consistent.
    ///
    /// Backtracking with forward checking: after each pick the remaining lists are filtered to leaves
    /// consistent with it, smallest list first. Leaves outside arrays are consistent with everything, so
    /// events without arrays never get here.
    static func hasConsistentChoice(_ candidates: [[Int32]], in event: FlattenedEvent) -> Bool {
        let sorted = candidates.sorted { $0.count < $1.count }
        return search(sorted[...], event: event)
    }

    private static func search(_ remaining: ArraySlice<[Int32]>, event: FlattenedEvent) -> Bool {
        guard let first = remaining.first else { return true }
        let rest = remaining.dropFirst()
        for pick in first {
            let element = event.leaves[Int(pick)].element
            if element == ArrayElement.none { return search(rest, event: event) }
            var filtered: [[Int32]] = []
            filtered.reserveCapacity(rest.count)
            var dead = false
            for list in rest {
                let kept = list.filter { event.areConsistent(element: element, event.leaves[Int($0)].element) }
                if kept.isEmpty {
                    dead = true
                    break
                }
                filtered.append(kept)
            }
            if !dead && search(filtered.sorted { $0.count < $1.count }[...], event: event) { return true }
        }
        return false
    }
}
