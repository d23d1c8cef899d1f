import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import PushBridgeJSON
import Testing

/// A WebSocket client for tests, on HummingbirdWSClient: messages arrive in an ``Inbox``, sends and the close
/// are commands to the client's handler.
final class TestWebSocket: Sendable {
    enum Event: Sendable {
        case text(String)
        case binary(ByteBuffer)
        /// The connection ended; the server's close frame, if it sent one.
        case closed(WebSocketCloseFrame?)
        case failed(String)
    }

    enum Command: Sendable {
        case send(String)
        case close
    }

    let url: String
    let events = Inbox<Event>()
    private let commands: AsyncStream<Command>.Continuation
    private let commandStream: AsyncStream<Command>

    private init(url: String) {
        self.url = url
        (commandStream, commands) = AsyncStream<Command>.makeStream()
    }

    func send(_ text: String) { commands.yield(.send(text)) }

    func send(_ json: JSONValue) { send(json.jsonText) }

    /// The next text message; fails on anything else.
    func receive(_ what: String = "a text message", sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let event = try await events.next(within: waitLimit, "\(what) on \(url)")
        guard case .text(let text) = event else {
            Issue.record("Expected \(what), got \(String(describing: event))", sourceLocation: sourceLocation)
            throw UnexpectedEvent(event: event)
        }
        return text
    }

    /// The next message parsed as JSON.
    func receiveJSON(_ what: String = "a JSON message", sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
        try JSONParser.parse(try await receive(what, sourceLocation: sourceLocation))
    }

    /// Learns the connection id the way a client on AWS does: an unknown action is answered with
    /// `{"message":"Forbidden","connectionId":…,"requestId":…}`. As messages are handled in order, this also
    /// proves that everything sent before was handled.
    @discardableResult
    func connectionId(sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        send(#"{"action":"whoami-probe"}"#)
        let frame = try await receiveJSON("the Forbidden frame of a probe", sourceLocation: sourceLocation)
        #expect(frame["message"] == "Forbidden", "\(frame.jsonText)", sourceLocation: sourceLocation)
        #expect(frame.objectValue?.keys == ["message", "connectionId", "requestId"], sourceLocation: sourceLocation)
        guard let id = frame["connectionId"]?.stringValue, !id.isEmpty else {
            Issue.record("No connectionId in \(frame.jsonText)", sourceLocation: sourceLocation)
            throw UnexpectedEvent(event: .text(frame.jsonText))
        }
        return id
    }

    /// Subscribes and waits until the server has handled it (there is no acknowledgement on AWS either).
    func subscribe(_ entityId: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        send(["action": "subscribe", "entityId": .string(entityId)])
        try await connectionId(sourceLocation: sourceLocation)
    }

    func unsubscribe(_ entityId: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        send(["action": "unsubscribe", "entityId": .string(entityId)])
        try await connectionId(sourceLocation: sourceLocation)
    }

    /// Expects the exact push frame of the sample's Lambda.
    func expectPush(entityId: String, message: String?, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let text = try await receive("the push for \(entityId)", sourceLocation: sourceLocation)
        #expect(text == pushFrame(entityId: entityId, message: message), sourceLocation: sourceLocation)
    }

    /// Waits for the connection to end and returns the server's close frame.
    func expectClosed(sourceLocation: SourceLocation = #_sourceLocation) async throws -> WebSocketCloseFrame? {
        let event = try await events.next(within: waitLimit, "the close of \(url)")
        guard case .closed(let frame) = event else {
            Issue.record("Expected the connection to close, got \(String(describing: event))", sourceLocation: sourceLocation)
            throw UnexpectedEvent(event: event)
        }
        return frame
    }

    func close() { commands.yield(.close) }

    struct UnexpectedEvent: Error {
        let event: Event?
    }

    /// Connects to `url`, runs `body` with the socket, then closes it (bounded in time).
    static func with<T: Sendable>(
        _ url: String,
        headers: HTTPFields = [:],
        maxFrameSize: Int = 1 << 16,
        _ body: @escaping @Sendable (TestWebSocket) async throws -> T
    ) async throws -> T {
        let socket = TestWebSocket(url: url)
        let logger = {
            var logger = Logger(label: "TestWebSocket")
            logger.logLevel = .critical
            return logger
        }()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    let closeFrame = try await WebSocketClient.connect(
                        url: url,
                        configuration: .init(maxFrameSize: maxFrameSize, additionalHeaders: headers, closeTimeout: .seconds(2)),
                        logger: logger
                    ) { inbound, outbound, _ in
                        try await socket.run(inbound: inbound, outbound: outbound)
                    }
                    socket.events.push(.closed(closeFrame))
                } catch {
                    socket.events.push(.failed("\(error)"))
                }
                socket.events.finish()
            }
            let result: Result<T, any Error>
            do {
                result = .success(try await body(socket))
            } catch {
                result = .failure(error)
            }
            socket.close()
            socket.commands.finish()
            group.addTask {
                try await Task.sleep(for: waitLimit)
                throw TimeoutError(what: "the client side of \(url) to close", limit: waitLimit)
            }
            do {
                try await group.next()
            } catch {
                Issue.record("\(error)")
            }
            group.cancelAll()
            return try result.get()
        }
    }

    private func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await message in inbound.messages(maxSize: 1 << 22) {
                    switch message {
                    case .text(let text): self.events.push(.text(text))
                    case .binary(let buffer): self.events.push(.binary(buffer))
                    }
                }
            }
            group.addTask {
                for await command in self.commandStream {
                    switch command {
                    case .send(let text): try await outbound.write(.text(text))
                    case .close:
                        try await outbound.close(.normalClosure, reason: nil)
                        return
                    }
                }
            }
            // Whichever ends first (the server closed, or the test asked to close) ends the handler.
            try await group.next()
            group.cancelAll()
        }
    }
}
