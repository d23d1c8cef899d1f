import NIOCore
import NIOHTTP1
import PushBridgeJSON

/// Looks at a connection's first request before NIO's upgrade handler does, and answers what that handler would drop.
///
/// NIO's typed upgrade handler closes the connection without a word when a request asks for a protocol it has no
/// upgrader for (`Upgrade: h2c`, which curl sends with `--http2`), or when the WebSocket upgrader refuses the
/// handshake (a missing key, version 8): the client sees an empty reply. Here an upgrade to anything but WebSocket
/// is ignored, as RFC 9110 allows (the `Upgrade` header is dropped and the request served as plain HTTP, closing the
/// connection after it when it also said `Connection: upgrade`), and a
/// WebSocket handshake RFC 6455 would refuse is answered with its status: 426 with the version spoken for a wrong
/// `Sec-WebSocket-Version`, 400 for anything else. Removed once the upgrader has decided.
final class UpgradeRequestFilter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    static let name = "pushbridge.upgrade-request-filter"

    /// A refused handshake: everything after it is dropped while the answer is written and the connection closed.
    private var refused = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        guard case .head(var head) = unwrapInboundIn(data), head.headers.contains(name: "upgrade") else {
            return context.fireChannelRead(data)
        }
        switch Self.check(head) {
        case .notWebSocket:
            // NIO's decoder reads nothing after a request that asked to switch protocols: it is answered, then closed.
            if head.asksToSwitchProtocols { head.headers.replaceOrAdd(name: "connection", value: "close") }
            head.headers.remove(name: "upgrade")
            context.fireChannelRead(wrapInboundOut(.head(head)))
        case .webSocket:
            context.fireChannelRead(data)
        case .refused(let status, let message):
            refused = true
            refuse(status: status, message: message, context: context)
        }
    }

    enum Verdict: Equatable {
        case notWebSocket
        case webSocket
        case refused(HTTPResponseStatus, String)
    }

    /// What a request head with an `Upgrade` header asks for, by RFC 6455 section 4.2.1.
    static func check(_ head: HTTPRequestHead) -> Verdict {
        let protocols = tokens(head.headers[canonicalForm: "upgrade"])
        guard protocols.contains("websocket") else { return .notWebSocket }
        guard head.method == .GET else { return .refused(.badRequest, "A WebSocket handshake must be a GET request.") }
        guard head.asksToSwitchProtocols else {
            return .refused(.badRequest, "A WebSocket handshake needs `Connection: Upgrade`.")
        }
        let versions = head.headers["sec-websocket-version"]
        guard versions.count == 1, versions[0] == "13" else {
            return .refused(.upgradeRequired, "This server speaks WebSocket version 13 (Sec-WebSocket-Version: 13).")
        }
        let keys = head.headers["sec-websocket-key"]
        guard keys.count == 1, Self.isValidKey(keys[0]) else {
            return .refused(.badRequest, "A WebSocket handshake needs one Sec-WebSocket-Key: 16 bytes in base64.")
        }
        return .webSocket
    }

    /// The comma-separated values of a header (NIO's canonical form trims them), lowercased.
    private static func tokens(_ values: [Substring]) -> Set<String> {
        Set(values.map { $0.lowercased() })
    }

    /// 16 bytes in base64: 22 characters of the alphabet and `==`.
    static func isValidKey(_ key: String) -> Bool {
        let bytes = Array(key.utf8)
        guard bytes.count == 24, bytes[22] == UInt8(ascii: "="), bytes[23] == UInt8(ascii: "=") else { return false }
        // The last character before the padding carries 2 bits of data and 4 of zero: one of A, Q, g, w.
        guard [UInt8(ascii: "A"), UInt8(ascii: "Q"), UInt8(ascii: "g"), UInt8(ascii: "w")].contains(bytes[21]) else { return false }
        return bytes[..<21].allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "+"), UInt8(ascii: "/"):
                true
            default: false
            }
        }
    }

    private func refuse(status: HTTPResponseStatus, message: String, context: ChannelHandlerContext) {
        var text = #"{"message":"#
        JSONValue.writeString(message, to: &text)
        text += "}"
        let body = context.channel.allocator.buffer(string: text)
        var headers: HTTPHeaders = [
            "Content-Type": "application/json", "Content-Length": "\(body.readableBytes)", "Connection": "close",
        ]
        if status == .upgradeRequired { headers.add(name: "Sec-WebSocket-Version", value: "13") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in loopBound.value.close(promise: nil) }
    }
}
