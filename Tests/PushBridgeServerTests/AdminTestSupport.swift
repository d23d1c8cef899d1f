import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import PushBridgeCore
import PushBridgeJSON
import PushBridgeServer
import ServiceLifecycle
import Testing

let testAdminToken = "test-admin-token-0123456789"

/// Retries ten minutes apart, so a failing message stays waiting while a test looks at it.
func slowRetries(_ configuration: inout ServerConfiguration) {
    configuration.retryBaseDelay = .seconds(600)
    configuration.retryMaximumDelay = .seconds(600)
}

/// A running server with the operator surface in reach (readiness, metrics) and `pushbridge serve`'s shutdown
/// order: graceful shutdown drains first, then stops the server.
struct OperatedServer: Sendable {
    let server: TestServer
    let operations: OperatorSurface
    let shutdown: @Sendable () async -> Void
}

/// Builds PushBridge with an admin token on 127.0.0.1:0 and runs `body`; `body` may trigger the shutdown itself.
func withOperatedServer(
    grace: Duration = .seconds(2),
    configure: (inout ServerConfiguration) -> Void = { _ in },
    _ body: @escaping @Sendable (OperatedServer) async throws -> Void
) async throws {
    var configuration = ServerConfiguration()
    configuration.host = "127.0.0.1"
    configuration.port = 0
    configuration.adminToken = testAdminToken
    configure(&configuration)
    var logger = Logger(label: "AdminTests")
    logger.logLevel = .critical
    let operations = OperatorSurface()
    let ports = Inbox<Int>()
    let (application, runtime) = try PushBridgeApplication.build(configuration: configuration, logger: logger, operations: operations) {
        ports.push($0)
    }
    let drain = ShutdownDrain(runtime: runtime, readiness: operations.readiness, grace: grace, logger: logger)
    let group = ServiceGroup(services: [application, drain], logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        let outcome: Result<Void, any Error>
        do {
            guard let port = try await ports.next(within: .seconds(10), "the server to listen") else {
                throw TimeoutError(what: "the server's port", limit: .seconds(10))
            }
            let server = TestServer(port: port, runtime: runtime)
            try await body(OperatedServer(server: server, operations: operations, shutdown: { await group.triggerGracefulShutdown() }))
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await group.triggerGracefulShutdown()
        tasks.addTask {
            try await Task.sleep(for: grace + .seconds(8))
            throw TimeoutError(what: "graceful shutdown", limit: grace + .seconds(8))
        }
        do {
            _ = try await tasks.next()
        } catch {
            Issue.record("The server did not shut down cleanly: \(error)")
        }
        tasks.cancelAll()
        try outcome.get()
    }
}

extension TestServer {
    /// An admin API request with the test token (or `token`, or none).
    func admin(
        _ method: HTTPRequest.Method,
        _ path: String,
        body: String? = nil,
        token: String? = testAdminToken
    ) async throws -> TestClient.Response {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil { headers[.contentType] = "application/json" }
        return try await request(method, path, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    /// An admin request expected to succeed, as JSON.
    func adminJSON(
        _ method: HTTPRequest.Method,
        _ path: String,
        body: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSONValue {
        let response = try await admin(method, path, body: body)
        #expect(response.status == .ok, "\(method) \(path): \(response.bodyText)", sourceLocation: sourceLocation)
        #expect(response.headers[.contentType] == "application/json", sourceLocation: sourceLocation)
        return try response.json()
    }

    /// Publishes `count` Entity Updated events without an entityId: the WebSocket target refuses each
    /// (INVALID_PARAMETER, not retryable), so each becomes a dead letter at once. Returns their event ids.
    @discardableResult
    func makeDeadLetters(_ count: Int) async throws -> [String] {
        let before = runtime.deadLetters.count
        let entries: [JSONValue] = (0..<count).map { index in
            ["Source": "tests", "DetailType": "Entity Updated", "Detail": .string(#"{"n":\#(index)}"#)]
        }
        let ids = try await putEventsOK(entries)
        try await eventually("\(count) dead letters") { runtime.deadLetters.count >= before + count }
        return ids
    }

    /// awsJson1_1 call to the Events API, expected to succeed.
    func events(_ operation: String, _ body: String) async throws {
        let response = try await request(
            .post,
            "/",
            headers: [.contentType: "application/x-amz-json-1.1", .amzTarget: "AWSEvents.\(operation)"],
            body: ByteBuffer(string: body)
        )
        #expect(response.status == .ok, "\(operation): \(response.bodyText)")
    }
}

/// An error body's code, from `{"error":{"code":…,"message":…}}`.
func adminErrorCode(_ response: TestClient.Response) throws -> String? {
    try response.json()["error"]?["code"]?.stringValue
}
