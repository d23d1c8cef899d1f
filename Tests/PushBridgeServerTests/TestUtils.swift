import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PushBridgeCore
import PushBridgeJSON
import PushBridgeServer
import ServiceLifecycle
import Synchronization
import Testing

/// The longest any single wait in these tests may take: a liveness bound only (a passing wait returns as soon
/// as its condition holds), generous because a full parallel run on two busy cores can stall a task for seconds.
let waitLimit: Duration = .seconds(10)

struct TimeoutError: Error, CustomStringConvertible {
    let what: String
    let limit: Duration
    var description: String { "timed out after \(limit) waiting for \(what)" }
}

/// Runs `operation`, failing with ``TimeoutError`` if it takes longer than `limit`.
func withTimeout<T: Sendable>(
    _ what: String,
    within limit: Duration = waitLimit,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TimeoutError(what: what, limit: limit)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// Polls `condition` every 20 ms until it holds, for at most `limit` (bounded in time and in count).
func eventually(
    _ what: String,
    within limit: Duration = waitLimit,
    _ condition: @escaping @Sendable () async throws -> Bool
) async throws {
    let attempts = Int(limit / .milliseconds(20)) + 1
    for _ in 0..<attempts {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    if try await condition() { return }
    throw TimeoutError(what: what, limit: limit)
}

/// A multi-producer, single-consumer queue whose `next()` can be raced against a timeout without
/// finishing the queue (unlike `AsyncStream`, whose iterator ends for good when its task is cancelled).
final class Inbox<Element: Sendable>: Sendable {
    private struct State {
        var buffer: [Element] = []
        var waiter: CheckedContinuation<Element?, Never>?
        var finished = false
    }

    private let state = Mutex(State())

    func push(_ element: Element) {
        let waiter: CheckedContinuation<Element?, Never>? = state.withLock { state in
            guard !state.finished else { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.buffer.append(element)
            return nil
        }
        waiter?.resume(returning: element)
    }

    func finish() {
        let waiter = state.withLock { state in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// The next element; nil once finished and drained, or if the waiting task is cancelled.
    func next() async -> Element? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate: Element?? = state.withLock { state in
                    if !state.buffer.isEmpty { return .some(state.buffer.removeFirst()) }
                    if state.finished || Task.isCancelled { return .some(nil) }
                    state.waiter = continuation
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// The next element within `limit`, or a ``TimeoutError``.
    func next(within limit: Duration = waitLimit, _ what: String) async throws -> Element? {
        try await withTimeout(what, within: limit) { await self.next() }
    }
}

/// A running server on 127.0.0.1 and an ephemeral port, with its domain objects.
struct TestServer: Sendable {
    let port: Int
    let runtime: PushBridgeRuntime

    func webSocketURL(_ path: String = "/dev") -> String { "ws://127.0.0.1:\(port)\(path)" }

    /// One HTTP request on its own connection, bounded in time.
    func request(
        _ method: HTTPRequest.Method,
        _ path: String,
        headers: HTTPFields = [:],
        body: ByteBuffer? = nil
    ) async throws -> TestClient.Response {
        let port = self.port
        return try await withTimeout("\(method) \(path)") {
            try await TestClient.withClient(host: "127.0.0.1", port: port, configuration: .init(timeout: waitLimit)) { client in
                try await client.execute(.init(path, method: method, headers: headers, body: body))
            }
        }
    }

    /// PutEvents the way the SDKs send it: `POST /` with `X-Amz-Target` and awsJson1_1.
    func putEvents(body: String, target: String? = "AWSEvents.PutEvents") async throws -> TestClient.Response {
        var headers: HTTPFields = [.contentType: "application/x-amz-json-1.1"]
        if let target { headers[.amzTarget] = target }
        return try await request(.post, "/", headers: headers, body: ByteBuffer(string: body))
    }

    /// PutEvents with these entries; expects every entry to be accepted.
    @discardableResult
    func putEventsOK(_ entries: [JSONValue], sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String] {
        let response = try await putEvents(body: entriesBody(entries))
        #expect(response.status == .ok, sourceLocation: sourceLocation)
        #expect(response.headers[.contentType] == "application/x-amz-json-1.1", sourceLocation: sourceLocation)
        let json = try response.json()
        #expect(json["FailedEntryCount"] == 0, "\(json.jsonText)", sourceLocation: sourceLocation)
        let ids = json["Entries"]?.arrayValue?.compactMap { $0["EventId"]?.stringValue } ?? []
        #expect(ids.count == entries.count, "\(json.jsonText)", sourceLocation: sourceLocation)
        return ids
    }

    /// Publishes one `Entity Updated` event and expects it accepted.
    func publish(entityId: String, message: String?, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await putEventsOK([entityUpdated(entityId: entityId, message: message)], sourceLocation: sourceLocation)
    }
}

extension HTTPField.Name {
    static let amzTarget = Self("X-Amz-Target")!
    static let amznErrorType = Self("x-amzn-ErrorType")!
    static let secWebSocketProtocol = Self("Sec-WebSocket-Protocol")!
}

extension TestClient.Response {
    var bodyText: String { body.map { String(buffer: $0) } ?? "" }

    func json() throws -> JSONValue { try JSONParser.parse(bodyText) }
}

/// A PutEvents request body with these entries.
func entriesBody(_ entries: [JSONValue]) -> String {
    JSONValue.object(JSONObject([("Entries", .array(entries))])).jsonText
}

/// A PutEvents entry for the sample's rule.
func entityUpdated(
    entityId: String,
    message: String?,
    detailType: String = "Entity Updated",
    source: String = "tests"
) -> JSONValue {
    var detail: JSONValue = ["entityId": .string(entityId)]
    if let message, case .object(var object) = detail {
        object["message"] = .string(message)
        detail = .object(object)
    }
    return ["Source": .string(source), "DetailType": .string(detailType), "Detail": .string(detail.jsonText)]
}

/// The exact frame the sample's push Lambda sends.
func pushFrame(entityId: String, message: String?) -> String {
    guard let message else { return #"{"type":"Entity Updated","entityId":\#(JSONValue.quoted(entityId))}"# }
    return #"{"type":"Entity Updated","entityId":\#(JSONValue.quoted(entityId)),"message":\#(JSONValue.quoted(message))}"#
}

/// A unique name for an entity or message, so tests sharing nothing still never collide.
func unique(_ prefix: String) -> String { "\(prefix)-\(UInt64.random(in: 0...UInt64.max))" }

/// Builds PushBridge on 127.0.0.1:0, runs it until `body` returns, then shuts it down gracefully.
func withPushBridgeServer(
    configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: @escaping @Sendable (TestServer) async throws -> Void
) async throws {
    var configuration = ServerConfiguration()
    configuration.host = "127.0.0.1"
    configuration.port = 0
    configure(&configuration)
    var logger = Logger(label: "PushBridgeServerTests")
    logger.logLevel = .critical
    let ports = Inbox<Int>()
    let (application, runtime) = try PushBridgeApplication.build(configuration: configuration, logger: logger) { port in
        ports.push(port)
    }
    let serviceGroup = ServiceGroup(services: [application], logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await serviceGroup.run() }
        let outcome: Result<Void, any Error>
        do {
            guard let port = try await ports.next(within: .seconds(10), "the server to listen") else {
                throw TimeoutError(what: "the server's port", limit: .seconds(10))
            }
            try await body(TestServer(port: port, runtime: runtime))
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await serviceGroup.triggerGracefulShutdown()
        group.addTask {
            // Generous: the connection reaper only notices a graceful shutdown after its 5 s sleep.
            try await Task.sleep(for: .seconds(10))
            throw TimeoutError(what: "graceful shutdown", limit: .seconds(10))
        }
        do {
            _ = try await group.next()
        } catch let error as TimeoutError {
            Issue.record("The server did not shut down: \(error)")
        } catch {
            Issue.record("The server failed: \(error)")
        }
        group.cancelAll()
        // As `pushbridge serve` does: what was submitted is committed and the data directory is released.
        runtime.store.close()
        try outcome.get()
    }
}
