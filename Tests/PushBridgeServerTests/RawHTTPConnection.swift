import Foundation
import NIOCore
import NIOPosix

/// HTTP/1.1 done by hand on one TCP connection, for what a client library hides: several requests written at
/// once (pipelined), exact header lines, and whether the server closed the connection.
final class RawHTTPConnection {
    struct Response {
        let statusLine: String
        /// Header lines as received, names lowercased.
        let headers: [(name: String, value: String)]
        let body: String

        var status: Int { Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0 }
        func header(_ name: String) -> String? { headers.first { $0.name == name.lowercased() }?.value }
    }

    struct Closed: Error {}

    private let channel: any Channel
    private let received: Inbox<ByteBuffer>
    private var pending = ByteBuffer()

    init(port: Int) async throws {
        (channel, received) = try await InboxHandler.connect(port: port)
    }

    deinit { channel.close(promise: nil) }

    /// A request's bytes, with `Content-Length` (unless `chunked`) and `Host` added.
    static func request(_ method: String, _ path: String, headers: [String] = [], body: String = "") -> String {
        var lines = ["\(method) \(path) HTTP/1.1", "Host: 127.0.0.1"] + headers
        if !headers.contains(where: { $0.lowercased().hasPrefix("transfer-encoding") }) {
            lines.append("Content-Length: \(body.utf8.count)")
        }
        return lines.joined(separator: "\r\n") + "\r\n\r\n" + body
    }

    static func putEvents(_ body: String, headers: [String] = []) -> String {
        request("POST", "/", headers: ["X-Amz-Target: AWSEvents.PutEvents", "Content-Type: application/x-amz-json-1.1"] + headers, body: body)
    }

    func send(_ text: String) async throws {
        try await channel.writeAndFlush(ByteBuffer(string: text))
    }

    /// Stops sending (a TCP half-close), as a client that gives up in the middle of a body does; reading goes on.
    func stopSending() async throws {
        try await channel.close(mode: .output)
    }

    /// The next whole response (bodies are framed by Content-Length, as PushBridge sends them).
    func readResponse() async throws -> Response {
        for _ in 0..<1024 {
            if let response = parse() { return response }
            guard var chunk = try await received.next(within: waitLimit, "an HTTP response") else { throw Closed() }
            pending.writeBuffer(&chunk)
        }
        throw TimeoutError(what: "a complete HTTP response", limit: waitLimit)
    }

    /// Whether the server closes the connection (nothing more arrives and the stream ends).
    func isClosedByServer() async throws -> Bool {
        while let chunk = try await received.next(within: waitLimit, "the connection to close") {
            if chunk.readableBytes > 0 { return false }
        }
        return true
    }

    private func parse() -> Response? {
        let bytes = pending.readableBytesView
        guard let end = bytes.firstRange(of: Array("\r\n\r\n".utf8)) else { return nil }
        let headText = String(decoding: bytes[bytes.startIndex..<end.lowerBound], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        let length = Int(headers.first { $0.0 == "content-length" }?.1 ?? "0") ?? 0
        let bodyStart = end.upperBound - bytes.startIndex
        guard pending.readableBytes >= bodyStart + length else { return nil }
        pending.moveReaderIndex(forwardBy: bodyStart)
        let body = pending.readString(length: length) ?? ""
        pending.discardReadBytes()
        return Response(statusLine: statusLine, headers: headers, body: body)
    }
}
