import Crypto
import Synchronization

/// Derived signing keys by access key, day, region and service: a verifier would otherwise run four HMACs more per
/// request to re-derive the same key all day.
///
/// Bounded: only configured access keys reach it, and only with dates the clock checks let through (today and its
/// neighbours, a week back for presigned URLs); past `capacity` it starts over rather than track ages.
final class SigningKeyCache: Sendable {
    private struct Key: Hashable {
        var accessKeyId: String
        var date: String
        var region: String
        var service: String
    }

    private let entries = Mutex<[Key: SymmetricKey]>([:])
    let capacity: Int

    init(capacity: Int = 1024) {
        self.capacity = max(1, capacity)
    }

    var count: Int { entries.withLock { $0.count } }

    func key(accessKeyId: String, secretAccessKey: String, date: String, region: String, service: String) -> SymmetricKey {
        let key = Key(accessKeyId: accessKeyId, date: date, region: region, service: service)
        if let cached = entries.withLock({ $0[key] }) { return cached }
        // Derived outside the lock: two threads may both derive a missing key, which is harmless.
        let derived = SigningKey.derive(secretAccessKey: secretAccessKey, date: date, region: region, service: service)
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = derived
        }
        return derived
    }
}
