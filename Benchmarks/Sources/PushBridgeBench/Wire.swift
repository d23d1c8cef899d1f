import ArgumentParser
import NIOCore
import NIOHTTP1

/// The servers the generator speaks to.
enum ServerKind: String, Codable, Sendable, CaseIterable, ExpressibleByArgument {
    /// PushBridge: subscribe with a frame, publish with PutEvents.
    case pushbridge
    /// nchan: subscribe by connecting to `/sub/{entity}`, publish with `POST /pub/{entity}`.
    case nchan
    /// The generator's own trivial broadcast server (same paths as nchan).
    case echo
}

/// How to subscribe and publish on one kind of server, and where each message carries its stamp.
///
/// Every published message carries the mark `#SEQ,NANOS#` (sequence number, due time on the generator's
/// monotonic clock); a frame is read only up to that mark.
struct Wire: Sendable {
    let kind: ServerKind
    let host: String
    /// One port per node: connection i (subscriber or publisher) goes to `ports[i % ports.count]`.
    let ports: [Int]
    let stage: String
    /// Extra characters appended to each message, to reach a payload size.
    let padding: String

    func port(ofConnection index: Int) -> Int { ports[index % ports.count] }

    func hostHeader(port: Int) -> String { "\(host):\(port)" }

    static func entityName(_ index: Int) -> String { "b\(index)" }

    func subscribeURI(entity: String) -> String {
        kind == .pushbridge ? "/\(stage)" : "/sub/\(entity)"
    }

    /// Frames to send once upgraded. For PushBridge the subscribe is followed by an unknown action, whose
    /// "Forbidden" reply tells that the subscribe before it was processed (frames are handled in order).
    func subscribeFrames(entity: String) -> [String] {
        guard kind == .pushbridge else { return [] }
        return [#"{"action":"subscribe","entityId":"\#(entity)"}"#, #"{"action":"bench-sync"}"#]
    }

    /// Whether a subscriber is ready only after a reply frame (else: once the upgrade completes).
    var readyNeedsReply: Bool { kind == .pushbridge }

    static func mark(seq: Int, nanos: UInt64) -> String { "#\(seq),\(nanos)#" }

    /// One publish request carrying `marks.count` events (PushBridge: entries of one PutEvents; others: one).
    func publishRequest(entity: String, marks: [String], port: Int, allocator: ByteBufferAllocator) -> (HTTPRequestHead, ByteBuffer) {
        var body = ""
        var head: HTTPRequestHead
        switch kind {
        case .pushbridge:
            body.reserveCapacity(64 + marks.count * (140 + padding.utf8.count))
            body += #"{"Entries":["#
            for (position, mark) in marks.enumerated() {
                if position > 0 { body += "," }
                body += #"{"Source":"bench","DetailType":"Entity Updated","Detail":"{\"entityId\":\"\#(entity)\","#
                body += #"\"message\":\"\#(mark)\#(padding)\"}"}"#
            }
            body += "]}"
            head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/")
            head.headers.add(name: "Content-Type", value: "application/x-amz-json-1.1")
            head.headers.add(name: "X-Amz-Target", value: "AWSEvents.PutEvents")
        case .nchan, .echo:
            body = #"{"entityId":"\#(entity)","message":"\#(marks.first ?? "")\#(padding)"}"#
            head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/pub/\(entity)")
            head.headers.add(name: "Content-Type", value: "application/json")
        }
        head.headers.add(name: "Host", value: hostHeader(port: port))
        head.headers.add(name: "Content-Length", value: String(body.utf8.count))
        return (head, allocator.buffer(string: body))
    }

    /// Whether a publish response means every event was accepted.
    func publishSucceeded(status: HTTPResponseStatus, body: ByteBuffer) -> Bool {
        switch kind {
        case .pushbridge:
            return status == .ok && body.readableBytesView.firstRange(of: Array(#""FailedEntryCount":0"#.utf8)) != nil
        case .nchan, .echo:
            return status.code >= 200 && status.code < 300
        }
    }

    /// The `#SEQ,NANOS#` mark of a frame, if it has one.
    @inline(__always)
    static func readMark(_ buffer: ByteBuffer) -> (seq: Int, nanos: UInt64)? {
        buffer.withUnsafeReadableBytes { bytes -> (Int, UInt64)? in
            guard var position = bytes.firstIndex(of: UInt8(ascii: "#")) else { return nil }
            position += 1
            var seq = 0
            var digits = 0
            while position < bytes.count, bytes[position] >= 48, bytes[position] <= 57 {
                seq = seq &* 10 &+ Int(bytes[position] &- 48)
                position += 1
                digits += 1
            }
            guard digits > 0, position < bytes.count, bytes[position] == UInt8(ascii: ",") else { return nil }
            position += 1
            var nanos: UInt64 = 0
            digits = 0
            while position < bytes.count, bytes[position] >= 48, bytes[position] <= 57 {
                nanos = nanos &* 10 &+ UInt64(bytes[position] &- 48)
                position += 1
                digits += 1
            }
            guard digits > 0, position < bytes.count, bytes[position] == UInt8(ascii: "#") else { return nil }
            return (seq, nanos)
        }
    }
}
