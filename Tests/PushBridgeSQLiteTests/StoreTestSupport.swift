import Foundation
import Logging
import PushBridgeCore
import Synchronization
import Testing

@testable import PushBridgeSQLite

/// Runs `body` with the path of a fresh directory (not created yet) under the system's temporary one, and
/// removes whatever is there afterwards.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = NSTemporaryDirectory() + "pushbridge-sqlite-tests-" + UUID().uuidString
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// Collects what the store logs, for tests of its error reporting.
final class LogCapture: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
    }

    private let storage = Mutex<[Entry]>([])

    var entries: [Entry] { storage.withLock { $0 } }

    var logger: Logger { Logger(label: "PushBridgeSQLiteTests") { _ in Handler(capture: self) } }

    fileprivate func append(_ entry: Entry) { storage.withLock { $0.append(entry) } }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        var metadataProvider: Logger.MetadataProvider?

        func log(event: LogEvent) { capture.append(Entry(level: event.level, message: event.message.description)) }

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
    }
}

/// A logger that keeps quiet (tests of failures would otherwise print their expected errors).
let quietLogger = LogCapture().logger

func openStore(_ directory: String, maximumPageCount: Int? = nil) throws -> SQLiteEventStore {
    try SQLiteEventStore(directory: directory, maximumPageCount: maximumPageCount, logger: quietLogger)
}

/// What a store on `directory` recovers after a restart.
func recoverAfterRestart(_ directory: String) throws -> RecoveredState {
    let store = try openStore(directory)
    defer { store.close() }
    return try store.recover()
}

/// Waits (bounded) until `condition` holds.
func poll(timeout: Duration = .seconds(2), _ condition: () -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try await Task.sleep(for: .milliseconds(5))
    }
    return true
}

// MARK: Fixtures

let t0 = Timestamp(milliseconds: 1_795_979_421_000)

func target(_ bus: String = "orders", _ rule: String = "to-clients", _ id: String = "ws") -> TargetKey {
    TargetKey(busName: bus, ruleName: rule, targetId: id)
}

func event(_ id: String, bus: String = "orders", bytes: Int = 0) -> StoredEvent {
    let padding = String(repeating: "x", count: bytes)
    return StoredEvent(id: id, busName: bus, json: #"{"id":"\#(id)","detail-type":"OrderPlaced","detail":{"p":"\#(padding)"}}"#)
}

func message(_ target: TargetKey, at milliseconds: Int64 = 0, routingKey: String? = nil) -> StoredMessage {
    StoredMessage(target: target, ingestedAt: Timestamp(milliseconds: t0.milliseconds + milliseconds), routingKey: routingKey)
}

func failedAttempt(_ number: Int, retryAfter: Timestamp? = nil) -> DeliveryAttempt {
    DeliveryAttempt(
        number: number,
        startedAt: Timestamp(milliseconds: t0.milliseconds + Int64(number) * 1000),
        failure: DeliveryFailure(code: "ERROR_FROM_TARGET", message: "503 from target", retryable: true, retryAfter: retryAfter)
    )
}

/// A dead letter as the delivery queue makes one. `DeadLetterEntry` has no public initializer (only the queue
/// makes them), so this one is decoded from its Codable form.
func deadLetter(id: String, eventId: String, target: TargetKey, attempts: [DeliveryAttempt]) throws -> DeadLetterEntry {
    let encoder = JSONEncoder()
    func json(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
    let text = """
        {"id":\(try json(id)),"eventId":\(try json(eventId)),"event":\(try json(#"{"id":"\#(eventId)"}"#)),
        "target":\(try json(target)),"ruleArn":"arn:aws:events:us-east-1:123456789012:rule/orders/to-clients",
        "targetArn":"arn:pushbridge:ws","errorCode":"ERROR_FROM_TARGET","errorMessage":"503 from target",
        "exhaustedRetryCondition":"MaximumRetryAttempts","retryAttempts":\(attempts.count),"attempts":\(try json(attempts)),
        "ingestedAt":\(try json(t0)),"firstAttemptAt":\(try json(attempts.first?.startedAt)),
        "lastAttemptAt":\(try json(attempts.last?.startedAt)),"deadLetteredAt":\(try json(Timestamp(milliseconds: t0.milliseconds + 60_000)))}
        """
    return try JSONDecoder().decode(DeadLetterEntry.self, from: Data(text.utf8))
}
