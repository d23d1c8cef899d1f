import AWSSigV4
import NIOCore
import NIOHTTP1

/// Answers PutEvents on the event loop that read it, ahead of the router.
///
/// PutEvents is the one hot HTTP operation, and its work is synchronous. Through the router each request crosses
/// from the channel into an async task and back (NIOAsyncChannel, Hummingbird's responder, its response writer),
/// which cost several times the ingest itself. Everything else passes through unchanged to Hummingbird: other
/// paths and operations, `Expect: 100-continue`, and any request that arrives while a routed one is still
/// unanswered, because responses must keep the order of requests.
final class PutEventsChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    fileprivate struct Collecting {
        let head: HTTPRequestHead
        let target: String
        let contentType: String
        var body: ByteBuffer?
        var tooLarge = false
    }

    private enum State {
        case idle
        /// A request the router answers; without keep-alive, nothing after it is read.
        case passing(keepAlive: Bool)
        case collecting(Collecting)
        /// A request refused by its head alone (authentication) is answered at once; its body is read and dropped.
        case discarding(keepAlive: Bool)
        /// A PutEvents is read and waits for the store to commit its entries; what arrives meanwhile is kept in
        /// `heldParts` and read after the answer, so answers keep the order of requests.
        case answering
        /// A response with `Connection: close` is on its way; nothing more is read.
        case closing
    }

    private let endpoint: EventsAPIEndpoint
    private let writer: EncodedBytesWriter
    private let dates: HTTPDateCache
    private let serverName: String?
    private var state = State.idle
    /// Requests passed to the router whose responses have not ended yet.
    private var routedAwaitingResponse = 0
    /// A graceful shutdown asked to close the connection while a PutEvents was being read: passed on after its answer.
    private var quiesceHeld = false
    /// The router answered with `Connection: close`: the connection ends with that answer.
    private var routerClosing = false
    /// A read asked for while the channel could not take more writes: answers to a client that does not read
    /// them must not pile up, so reading waits until the socket drains.
    private var readHeld = false
    /// Request parts that arrived while a PutEvents waited for its commit.
    private var heldParts: [NIOAny] = []

    /// - Parameter writer: in the same pipeline, next to the socket; answers are written through it.
    init(endpoint: EventsAPIEndpoint, writer: EncodedBytesWriter, dates: HTTPDateCache, serverName: String?) {
        self.endpoint = endpoint
        self.writer = writer
        self.dates = dates
        self.serverName = serverName
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        // On the state first, then the part: a switch over the pair copies both (and the request head within).
        switch state {
        case .answering:
            heldParts.append(data)
        case .idle:
            guard case .head(var head) = part else { return context.fireChannelRead(data) }
            // Neither NIO nor the router answers `Expect: 100-continue`: without this, curl waits a second before
            // sending any body over 1 KB. Only with nothing unanswered ahead, so that answers keep their order.
            if !routerClosing, routedAwaitingResponse == 0, Self.takeContinueExpectation(&head) {
                _ = writer.writeAndFlush(ByteBuffer(staticString: "HTTP/1.1 100 Continue\r\n\r\n"))
                return channelRead(context: context, data: wrapInboundOut(.head(head)))
            }
            if routerClosing {
                state = .closing
            } else if routedAwaitingResponse == 0, let (target, contentType) = Self.putEvents(head) {
                if let refusal = endpoint.refusalBeforeBody(target: target, contentType: contentType, head: InboundRequestHead(head)) {
                    answerBeforeBody(head, with: refusal, context: context)
                } else {
                    state = .collecting(Collecting(head: head, target: target, contentType: contentType))
                }
            } else {
                routedAwaitingResponse += 1
                state = .passing(keepAlive: head.allowsAnotherRequest)
                guard head.allowsAnotherRequest || head.headers.first(name: "connection") == "close" else {
                    // The router closes after an answer only for `Connection: close`; an HTTP/1.0 request without
                    // keep-alive means the same (a client reading to the end of the stream waits for that close),
                    // and so does a request nothing more can follow (see `allowsAnotherRequest`).
                    var head = head
                    head.headers.replaceOrAdd(name: "connection", value: "close")
                    return context.fireChannelRead(wrapInboundOut(.head(head)))
                }
                context.fireChannelRead(data)
            }
        case .collecting(var collecting):
            switch part {
            case .body(let buffer):
                state = .idle  // lets `collecting.body` be appended to without a copy
                collecting.append(buffer, limit: endpoint.bodyLimit)
                state = .collecting(collecting)
            case .end:
                state = .idle
                respond(to: collecting, context: context)
            case .head:
                context.fireChannelRead(data)
            }
        case .passing(let keepAlive):
            if case .end = part { state = keepAlive ? .idle : .closing }
            context.fireChannelRead(data)
        case .discarding(let keepAlive):
            guard case .end = part else { return }
            state = keepAlive ? .idle : .closing
            // Closed only once the body is read: closing with unread bytes would reset the connection, and the
            // client could lose the answer.
            if !keepAlive { context.close(promise: nil) }
        case .closing:
            break
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where routedAwaitingResponse == 1 && isClosingAfterRouted && head.isKeepAlive:
            // The router closes after this answer (its request allowed no other): the answer says so.
            routerClosing = true
            head.headers.replaceOrAdd(name: "connection", value: "close")
            return context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .head(let head) where !head.isKeepAlive: routerClosing = true
        case .end where routedAwaitingResponse > 0: routedAwaitingResponse -= 1
        default: break
        }
        context.write(data, promise: promise)
    }

    /// The request being answered by the router is the connection's last (see `allowsAnotherRequest`).
    private var isClosingAfterRouted: Bool {
        switch state {
        case .passing(keepAlive: false), .closing: true
        default: false
        }
    }

    func read(context: ChannelHandlerContext) {
        guard context.channel.isWritable, !isAnswering else {
            readHeld = true
            return
        }
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if readHeld, context.channel.isWritable, !isAnswering {
            readHeld = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, isCollectingOrAnswering {
            quiesceHeld = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Whether `head` expects `100 Continue` (HTTP/1.1 or later, RFC 9110 section 10.1.1); if so, the expectation is
    /// removed, as it is met.
    static func takeContinueExpectation(_ head: inout HTTPRequestHead) -> Bool {
        guard head.version.major > 1 || (head.version.major == 1 && head.version.minor >= 1), let expect = head.headers.first(name: "expect"),
            expect.lowercased() == "100-continue", head.headers["expect"].count == 1
        else { return false }
        head.headers.remove(name: "expect")
        return true
    }

    /// The PutEvents target and response content type, or nil when the router should answer this request.
    private static func putEvents(_ head: HTTPRequestHead) -> (target: String, contentType: String)? {
        guard head.method == .POST, !head.headers.contains(name: "expect") else { return nil }
        let path = head.uri.prefix { $0 != "?" }
        if path == "/events" { return (EventsAPIEndpoint.putEventsTarget, EventsAPIEndpoint.plainJSON) }
        if path == "/", head.headers.first(name: "x-amz-target") == EventsAPIEndpoint.putEventsTarget {
            return (EventsAPIEndpoint.putEventsTarget, EventsAPIEndpoint.awsJSON11)
        }
        return nil
    }

    private var isAnswering: Bool {
        if case .answering = state { return true }
        return false
    }

    private var isCollectingOrAnswering: Bool {
        switch state {
        case .collecting, .answering: true
        case .idle, .passing, .discarding, .closing: false
        }
    }

    private func respond(to request: Collecting, context: ChannelHandlerContext) {
        let body: EventsAPIEndpoint.Body = request.tooLarge ? .tooLarge : .bytes(request.body ?? ByteBuffer())
        state = .answering
        let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        endpoint.reply(
            target: request.target,
            body: body,
            contentType: request.contentType,
            request: InboundRequestHead(request.head),
            clientAddress: context.channel.remoteAddress?.ipAddress ?? ""
        ) { reply in
            // In memory the answer comes at once, on this loop; from a durable store, on the store's thread.
            if eventLoop.inEventLoop {
                loopBound.value.handler.answer(request, with: reply, context: loopBound.value.context)
            } else {
                eventLoop.execute { loopBound.value.handler.answer(request, with: reply, context: loopBound.value.context) }
            }
        }
    }

    private func answerBeforeBody(_ head: HTTPRequestHead, with reply: EventsAPIReply, context: ChannelHandlerContext) {
        let keepAlive = head.allowsAnotherRequest && !quiesceHeld
        state = .discarding(keepAlive: keepAlive)
        writer.writeAndFlush(encode(reply, version: head.version, keepAlive: keepAlive, allocator: context.channel.allocator))
        context.triggerUserOutboundEvent(HTTPResponseWritten(), promise: nil)
    }

    private func answer(_ request: Collecting, with reply: EventsAPIReply, context: ChannelHandlerContext) {
        guard case .answering = state else { return }
        state = .idle
        let keepAlive = request.head.allowsAnotherRequest && !quiesceHeld
        let bytes = encode(reply, version: request.head.version, keepAlive: keepAlive, allocator: context.channel.allocator)
        guard keepAlive else {
            state = .closing
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            writer.writeAndFlush(bytes) { _ in loopBound.value.close(promise: nil) }
            return
        }
        writer.writeAndFlush(bytes)
        context.triggerUserOutboundEvent(HTTPResponseWritten(), promise: nil)
        readHeldParts(context: context)
    }

    /// Reads what arrived while the answer was pending, until a request waits again; then reading resumes.
    private func readHeldParts(context: ChannelHandlerContext) {
        guard !heldParts.isEmpty || readHeld else { return }
        var replayed = false
        while !heldParts.isEmpty, !isAnswering {
            channelRead(context: context, data: heldParts.removeFirst())
            replayed = true
        }
        // The async channel behind us hands reads on at "read complete"; that one passed while these were held.
        if replayed { context.fireChannelReadComplete() }
        if !isAnswering, readHeld, context.channel.isWritable {
            readHeld = false
            context.read()
        }
    }

    /// The whole response in one buffer, written below NIO's response encoder: one write instead of three,
    /// and no header list built only to be serialized. The header values are the server's own (no CR or LF).
    private func encode(_ reply: EventsAPIReply, version: HTTPVersion, keepAlive: Bool, allocator: ByteBufferAllocator) -> ByteBuffer {
        let status = HTTPResponseStatus(statusCode: reply.status)
        var buffer = allocator.buffer(capacity: 256 + reply.body.utf8.count)
        buffer.writeStaticString(version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        buffer.writeString(String(reply.status))
        buffer.writeStaticString(" ")
        buffer.writeString(status.reasonPhrase)
        func header(_ name: StaticString, _ value: String) {
            buffer.writeStaticString("\r\n")
            buffer.writeStaticString(name)
            buffer.writeString(value)
        }
        header("Content-Type: ", reply.contentType)
        header("x-amzn-RequestId: ", reply.requestId)
        if let errorType = reply.errorType { header("x-amzn-ErrorType: ", errorType) }
        if let retryAfter = reply.retryAfter { header("Retry-After: ", String(retryAfter)) }
        if let wwwAuthenticate = reply.wwwAuthenticate { header("WWW-Authenticate: ", wwwAuthenticate) }
        header("Content-Length: ", String(reply.body.utf8.count))
        header("Date: ", dates.now)
        if let serverName { header("Server: ", serverName) }
        if !keepAlive {
            header("Connection: ", "close")
        } else if version.minor == 0 {
            header("Connection: ", "keep-alive")
        }
        buffer.writeStaticString("\r\n")
        buffer.writeStaticString("\r\n")
        buffer.writeString(reply.body)
        return buffer
    }
}

extension PutEventsChannelHandler.Collecting {
    /// Past `limit` the body is dropped as it arrives and the request is answered as too large.
    mutating func append(_ buffer: ByteBuffer, limit: Int) {
        guard !tooLarge else { return }
        if (body?.readableBytes ?? 0) + buffer.readableBytes > limit {
            tooLarge = true
            body = nil
        } else if body == nil {
            body = buffer
        } else {
            body!.writeImmutableBuffer(buffer)
        }
    }
}
