import PushBridgeCore
import Testing

@Suite("InMemoryDeadLetterStore retention and store changes")
struct DeadLetterRetentionTests {
    static let retention = Duration.seconds(60)

    private func makeStore(
        clock: ManualClock,
        store: RecordingEventStore,
        maximumEntries: Int = 100,
        retention: Duration? = Self.retention
    ) -> InMemoryDeadLetterStore {
        InMemoryDeadLetterStore(maximumEntries: maximumEntries, retention: retention, clock: clock.wallClock, store: store)
    }

    // MARK: Retention

    @Test("An entry older than the retention period leaves list, count and entry, and its removal is recorded once")
    func expiry() {
        let clock = ManualClock()
        let store = RecordingEventStore()
        let deadLetters = makeStore(clock: clock, store: store)
        deadLetters.add(makeDeadLetter(id: "old", at: t0))
        clock.advance(by: .seconds(30))
        deadLetters.add(makeDeadLetter(id: "new", at: clock.now))

        // Exactly the retention period old: still kept.
        clock.set(t0.adding(seconds: 60))
        #expect(deadLetters.list(.all).map(\.id) == ["old", "new"])
        #expect(store.changes.compactMap(\.removedDeadLetterId).isEmpty)

        clock.set(t0.adding(milliseconds: 60_001))
        #expect(deadLetters.list(.all).map(\.id) == ["new"])
        #expect(deadLetters.count == 1)
        #expect(deadLetters.entry(id: "old") == nil)
        #expect(deadLetters.entry(id: "new") != nil)
        #expect(store.changes.map(\.summary) == ["deadLettered old", "deadLettered new", "deadLetterRemoved old"])

        clock.set(t0.adding(seconds: 91))
        #expect(deadLetters.count == 0)
        #expect(store.changes.map(\.summary).suffix(1) == ["deadLetterRemoved new"])
    }

    @Test("Any read expires: entry(id:) alone drops and records an aged-out entry")
    func entryLookupExpires() {
        let clock = ManualClock()
        let store = RecordingEventStore()
        let deadLetters = makeStore(clock: clock, store: store)
        deadLetters.add(makeDeadLetter(id: "old", at: t0))
        clock.advance(by: .seconds(61))
        #expect(deadLetters.entry(id: "old") == nil)
        #expect(store.changes.compactMap(\.removedDeadLetterId) == ["old"])
    }

    @Test("Without a retention period entries stay however old they are")
    func noRetention() {
        let clock = ManualClock()
        let store = RecordingEventStore()
        let deadLetters = makeStore(clock: clock, store: store, retention: nil)
        deadLetters.add(makeDeadLetter(id: "old", at: t0))
        clock.advance(by: .seconds(86_400 * 30))
        #expect(deadLetters.count == 1)
        #expect(store.changes.map(\.summary) == ["deadLettered old"])
    }

    // MARK: Restore

    @Test("Restore keeps recent entries without recording them and records the removal of expired ones")
    func restore() {
        let clock = ManualClock()
        let store = RecordingEventStore()
        let deadLetters = makeStore(clock: clock, store: store)
        let expired = makeDeadLetter(id: "expired", at: t0.adding(seconds: -61))
        let recent = makeDeadLetter(id: "recent", at: t0.adding(seconds: -10))
        let fresh = makeDeadLetter(id: "fresh", at: t0)

        #expect(deadLetters.restore([expired, recent, fresh]) == 2)
        #expect(store.changes.map(\.summary) == ["deadLetterRemoved expired"])
        #expect(deadLetters.list(.all) == [recent, fresh])
        #expect(deadLetters.entry(id: "expired") == nil)

        // A restored entry ages out like any other.
        clock.advance(by: .seconds(51))
        #expect(deadLetters.list(.all) == [fresh])
        #expect(store.changes.map(\.summary) == ["deadLetterRemoved expired", "deadLetterRemoved recent"])
    }

    @Test("Entries restored behind a newer one still age out on time and list oldest first")
    func restoreBehindNewerEntry() {
        let clock = ManualClock()
        let store = RecordingEventStore()
        let deadLetters = makeStore(clock: clock, store: store)
        // At start the router dead-letters messages whose target is gone before the DLQ is restored.
        deadLetters.add(makeDeadLetter(id: "orphan", at: t0))
        deadLetters.restore([makeDeadLetter(id: "kept", at: t0.adding(seconds: -50))])

        // Restored entries take their place by age, so listing, expiry and eviction still go oldest first.
        #expect(deadLetters.list(.all).map(\.id) == ["kept", "orphan"])
        clock.advance(by: .seconds(11))
        #expect(deadLetters.list(.all).map(\.id) == ["orphan"], "kept is 61 s old")
        #expect(store.changes.compactMap(\.removedDeadLetterId) == ["kept"])
    }

    @Test("Restore with nothing expired submits nothing")
    func restoreRecordsNothing() {
        let store = RecordingEventStore()
        let deadLetters = makeStore(clock: ManualClock(), store: store)
        #expect(deadLetters.restore([makeDeadLetter(id: "a"), makeDeadLetter(id: "b")]) == 2)
        #expect(store.submissionCount == 0)
        #expect(deadLetters.count == 2)
    }

    // MARK: Recorded additions and removals

    @Test("Add records the entry as dead-lettered")
    func addIsRecorded() {
        let store = RecordingEventStore()
        let deadLetters = makeStore(clock: ManualClock(), store: store)
        let entry = makeDeadLetter(id: "a", errorCode: "TIMEOUT")
        deadLetters.add(entry)
        #expect(store.changes.count == 1)
        #expect(store.changes.first?.deadLettered == entry)
    }

    @Test("Eviction by the entry limit records the oldest entry's removal")
    func evictionIsRecorded() {
        let store = RecordingEventStore()
        let deadLetters = makeStore(clock: ManualClock(), store: store, maximumEntries: 2)
        for id in ["a", "b", "c"] { deadLetters.add(makeDeadLetter(id: id)) }
        #expect(deadLetters.list(.all).map(\.id) == ["b", "c"])
        #expect(deadLetters.evictedCount == 1)
        #expect(store.changes.map(\.summary) == ["deadLettered a", "deadLettered b", "deadLettered c", "deadLetterRemoved a"])
    }

    @Test("Remove and removeAll record each removed entry, and nothing for an unknown id")
    func removalsAreRecorded() {
        let store = RecordingEventStore()
        let deadLetters = makeStore(clock: ManualClock(), store: store)
        deadLetters.add(makeDeadLetter(id: "a"))
        deadLetters.add(makeDeadLetter(id: "b", errorCode: "TIMEOUT"))
        deadLetters.add(makeDeadLetter(id: "c", errorCode: "TIMEOUT"))
        store.clearChanges()

        #expect(deadLetters.remove(id: "a")?.id == "a")
        #expect(deadLetters.remove(id: "a") == nil)
        #expect(deadLetters.removeAll(DeadLetterFilter(errorCode: "NOPE")).isEmpty)
        #expect(deadLetters.removeAll(DeadLetterFilter(errorCode: "TIMEOUT")).map(\.id) == ["b", "c"])
        #expect(store.changes.map(\.summary) == ["deadLetterRemoved a", "deadLetterRemoved b", "deadLetterRemoved c"])
        #expect(store.submissionCount == 2, "removeAll records its removals in one submission")
    }
}
