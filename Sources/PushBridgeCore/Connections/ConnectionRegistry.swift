import Synchronization

/// Connections and their subscriptions: the in-process equivalent of the sample's DynamoDB table
/// (connection items keyed by connectionId, subscription items indexed by entityId, connections indexed by userId
/// as the sample's GSI1 `userId`/`user#` items are).
public final class ConnectionRegistry: Sendable {
    public struct Subscriber: Sendable {
        public let connectionId: String
        public let sink: any ConnectionSink
    }

    private struct Entry {
        var record: ConnectionRecord
        let sink: any ConnectionSink
        var entities: Set<String>
    }

    private struct State {
        var connections: [String: Entry] = [:]
        var subscribers: [String: SubscriberList] = [:]
        /// The connections of each authenticated user.
        var userConnections: [String: SubscriberList] = [:]
        var subscriptionCount = 0
    }

    private let state = Mutex(State())
    private let observer = Mutex<(any ConnectionMembershipObserver)?>(nil)
    public let maximumSubscriptionsPerConnection: Int

    public init(maximumSubscriptionsPerConnection: Int = 100) {
        self.maximumSubscriptionsPerConnection = maximumSubscriptionsPerConnection
    }

    /// From now on `observer` is told every connection that joins or leaves (cluster mode's directory).
    public func observe(_ observer: any ConnectionMembershipObserver) {
        self.observer.withLock { $0 = observer }
    }

    /// $connect: the connection exists from now on. Ids are unique; should one come again, it starts afresh
    /// (its old subscriptions go, rather than linger with a sink nobody can reach).
    public func register(_ record: ConnectionRecord, sink: any ConnectionSink) {
        state.withLock { state in
            if let old = state.connections[record.connectionId] {
                for entity in old.entities { Self.removeSubscriber(record.connectionId, from: entity, in: &state) }
                state.subscriptionCount -= old.entities.count
                Self.removeUserConnection(old.record, in: &state)
            }
            state.connections[record.connectionId] = Entry(record: record, sink: sink, entities: [])
            if let userId = record.userId {
                state.userConnections[userId, default: SubscriberList()].append(Subscriber(connectionId: record.connectionId, sink: sink))
            }
        }
        observer.withLock { $0 }?.connected(record)
    }

    /// $disconnect: the connection and all its subscriptions are gone at once. Returns its last record.
    @discardableResult
    public func remove(_ connectionId: String) -> ConnectionRecord? {
        let removed: ConnectionRecord? = state.withLock { state in
            guard let entry = state.connections.removeValue(forKey: connectionId) else { return nil }
            for entity in entry.entities { Self.removeSubscriber(connectionId, from: entity, in: &state) }
            state.subscriptionCount -= entry.entities.count
            Self.removeUserConnection(entry.record, in: &state)
            return entry.record
        }
        if removed != nil { observer.withLock { $0 }?.disconnected(connectionId) }
        return removed
    }

    public enum SubscribeResult: Sendable, Equatable {
        case subscribed
        case alreadySubscribed
        case limitReached(Int)
        case unknownConnection
    }

    public func subscribe(_ connectionId: String, to entityId: String) -> SubscribeResult {
        state.withLock { state in
            guard var entry = state.connections[connectionId] else { return .unknownConnection }
            if entry.entities.contains(entityId) { return .alreadySubscribed }
            guard entry.entities.count < maximumSubscriptionsPerConnection else { return .limitReached(maximumSubscriptionsPerConnection) }
            entry.entities.insert(entityId)
            state.connections[connectionId] = entry
            state.subscribers[entityId, default: SubscriberList()].append(Subscriber(connectionId: connectionId, sink: entry.sink))
            state.subscriptionCount += 1
            return .subscribed
        }
    }

    /// Returns whether a subscription was removed.
    @discardableResult
    public func unsubscribe(_ connectionId: String, from entityId: String) -> Bool {
        state.withLock { state in
            guard var entry = state.connections[connectionId], entry.entities.remove(entityId) != nil else { return false }
            state.connections[connectionId] = entry
            Self.removeSubscriber(connectionId, from: entityId, in: &state)
            state.subscriptionCount -= 1
            return true
        }
    }

    private static func removeSubscriber(_ connectionId: String, from entityId: String, in state: inout State) {
        state.subscribers[entityId]?.remove(connectionId)
        if state.subscribers[entityId]?.isEmpty == true { state.subscribers[entityId] = nil }
    }

    private static func removeUserConnection(_ record: ConnectionRecord, in state: inout State) {
        guard let userId = record.userId else { return }
        state.userConnections[userId]?.remove(record.connectionId)
        if state.userConnections[userId]?.isEmpty == true { state.userConnections[userId] = nil }
    }

    /// A snapshot of a user's connections (every socket its tokens opened); sending happens outside the lock.
    public func connections(ofUser userId: String) -> [Subscriber] {
        state.withLock { $0.userConnections[userId]?.members ?? [] }
    }

    /// A snapshot of an entity's subscribers; sending happens outside the lock.
    public func subscribers(of entityId: String) -> [Subscriber] {
        state.withLock { $0.subscribers[entityId]?.members ?? [] }
    }

    public func record(_ connectionId: String) -> ConnectionRecord? {
        state.withLock { $0.connections[connectionId]?.record }
    }

    public func sink(_ connectionId: String) -> (any ConnectionSink)? {
        state.withLock { $0.connections[connectionId]?.sink }
    }

    public func subscriptions(of connectionId: String) -> [String]? {
        state.withLock { $0.connections[connectionId].map { $0.entities.sorted() } }
    }

    /// Marks activity (a message from the client, or a post to it).
    public func touch(_ connectionId: String, at time: Timestamp) {
        state.withLock { state in
            guard state.connections[connectionId] != nil else { return }
            state.connections[connectionId]!.record.lastActiveAt = time
        }
    }

    public var connectionCount: Int { state.withLock { $0.connections.count } }
    public var subscriptionCount: Int { state.withLock { $0.subscriptionCount } }

    /// All records, ordered by connection time then id (stable paging for operators).
    public func records() -> [ConnectionRecord] {
        state.withLock { $0.connections.values.map(\.record) }
            .sorted { ($0.connectedAt, $0.connectionId) < ($1.connectedAt, $1.connectionId) }
    }

    /// Connections idle since before `idleCutoff` or connected before `ageCutoff`, with their sinks.
    public func expired(
        idleBefore idleCutoff: Timestamp,
        connectedBefore ageCutoff: Timestamp
    ) -> [(ConnectionRecord, any ConnectionSink, idle: Bool)] {
        state.withLock { state in
            state.connections.values.compactMap { entry in
                if entry.record.connectedAt < ageCutoff { return (entry.record, entry.sink, false) }
                if entry.record.lastActiveAt < idleCutoff { return (entry.record, entry.sink, true) }
                return nil
            }
        }
    }

    /// Every sink, for shutdown.
    public func allSinks() -> [any ConnectionSink] {
        state.withLock { $0.connections.values.map(\.sink) }
    }

    /// Closes every connection with `code` and waits, bounded by `limit`, until they have gone.
    public func closeAll(code: UInt16, reason: String, within limit: Duration = .seconds(2)) async -> (closed: Int, stillOpen: Int) {
        let sinks = allSinks()
        guard !sinks.isEmpty else { return (0, 0) }
        for sink in sinks { sink.close(code: code, reason: reason) }
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        // Bounded in time (the deadline) and in count.
        for _ in 0..<1000 where connectionCount > 0 && clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return (sinks.count, connectionCount)
    }
}
