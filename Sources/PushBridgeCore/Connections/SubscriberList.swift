/// The subscribers of one entity: an array to hand out as a snapshot for fan-out, plus each connection's
/// position in it, so that a subscriber leaves in constant time (the last one takes its place) instead of a
/// scan and copy of the whole list; a popular entity's subscribers all disconnecting was quadratic.
struct SubscriberList {
    private(set) var members: [ConnectionRegistry.Subscriber] = []
    private var positions: [String: Int] = [:]

    var isEmpty: Bool { members.isEmpty }

    mutating func append(_ subscriber: ConnectionRegistry.Subscriber) {
        positions[subscriber.connectionId] = members.count
        members.append(subscriber)
    }

    mutating func remove(_ connectionId: String) {
        guard let position = positions.removeValue(forKey: connectionId) else { return }
        let last = members.removeLast()
        guard position < members.count else { return }
        members[position] = last
        positions[last.connectionId] = position
    }
}
