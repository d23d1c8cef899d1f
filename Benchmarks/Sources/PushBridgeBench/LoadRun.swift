import Histogram
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// The state of one run. Every field is touched on `loop` only (the generator runs one event loop), which
/// is why it can be `@unchecked Sendable`: the orchestration reads it through `loop.submit`.
final class LoadRun: @unchecked Sendable {
    enum Layout: Sendable {
        /// Every subscriber on entity 0.
        case broadcast
        /// Subscriber i on entity i; message k goes to entity (k - 1) mod n.
        case routing
        /// No subscribers; every message to one entity nobody listens to.
        case none
    }

    let loop: any EventLoop
    let wire: Wire
    let layout: Layout
    let subscriberCount: Int
    let entriesPerPublish: Int

    // Subscribers.
    var channels: [(any Channel)?]
    var ready: [Bool]
    var readyCount = 0
    var connectFailures = 0
    var connectsStarted = 0
    var connectsFinished = 0
    var warmSeen: [Bool]
    var warmSeenCount = 0
    var closedByPeer = 0
    var slowIndex: Int?
    var slowClosedByServer = false

    // Deliveries in the measured phase.
    var measuring = false
    var plannedSeqs = 0
    var bits: [[UInt64]] = []
    var unique = 0
    /// Unique deliveries per node (the port a subscriber connected to).
    var uniqueByNode: [Int]
    var duplicates = 0
    var strayFrames = 0
    var slowFrames = 0
    var latency = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
    var requestLatency = Histogram<UInt64>(
        lowestDiscernibleValue: 1,
        highestTrackableValue: 600_000_000,
        numberOfSignificantValueDigits: .three
    )
    var firstDelivery: UInt64 = 0
    var lastDelivery: UInt64 = 0

    // Publishing.
    struct Pending {
        var seq: Int
        var entity: Int
        var due: UInt64
    }
    var publishers: [(any Channel)?] = []
    var inFlight: [Pending?] = []
    var idlePublishers: [Int] = []
    var pending: [Pending] = []
    var pendingHead = 0
    var maxBacklog = 0
    var measuredIssued = 0
    var measuredResponses = 0
    var measuredAccepted = 0
    var publishErrors = 0
    var expected = 0
    var lastResponse: UInt64 = 0
    var scheduleTask: RepeatedTask?
    var scheduleDone = true
    var scheduleIssued = 0
    var closing = false
    var reconnects = 0

    init(loop: any EventLoop, wire: Wire, layout: Layout, subscriberCount: Int, entriesPerPublish: Int) {
        self.loop = loop
        self.wire = wire
        self.layout = layout
        self.subscriberCount = subscriberCount
        self.entriesPerPublish = entriesPerPublish
        self.channels = Array(repeating: nil, count: subscriberCount)
        self.ready = Array(repeating: false, count: subscriberCount)
        self.warmSeen = Array(repeating: false, count: subscriberCount)
        self.uniqueByNode = Array(repeating: 0, count: wire.ports.count)
    }

    var entityCount: Int {
        switch layout {
        case .broadcast, .none: return 1
        case .routing: return subscriberCount
        }
    }

    func entity(ofSubscriber index: Int) -> Int { layout == .routing ? index : 0 }

    func entityName(_ entity: Int) -> String { layout == .none ? "nobody" : Wire.entityName(entity) }

    // MARK: Subscribers

    /// Connects every subscriber, at most `concurrency` handshakes at a time.
    func connectSubscribers(concurrency: Int) {
        loop.preconditionInEventLoop()
        for _ in 0..<min(concurrency, subscriberCount) { connectNext() }
    }

    private func connectNext() {
        guard connectsStarted < subscriberCount else { return }
        let index = connectsStarted
        connectsStarted += 1
        let entity = entityName(entity(ofSubscriber: index))
        let wire = self.wire
        let run = self
        var headers = HTTPHeaders()
        let port = wire.port(ofConnection: index)
        headers.add(name: "Host", value: wire.hostHeader(port: port))
        headers.add(name: "Content-Length", value: "0")
        let requestHead = HTTPRequestHead(version: .http1_1, method: .GET, uri: wire.subscribeURI(entity: entity), headers: headers)
        ClientBootstrap(group: loop)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOTypedWebSocketClientUpgrader<Bool>(maxFrameSize: 1 << 20) { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                SubscriberHandler(index: index, run: run)
                            )
                            return true
                        }
                    }
                    let configuration = NIOTypedHTTPClientUpgradeConfiguration<Bool>(
                        upgradeRequestHead: requestHead,
                        upgraders: [upgrader],
                        notUpgradingCompletionHandler: { channel in channel.eventLoop.makeSucceededFuture(false) }
                    )
                    let upgraded = try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
                        configuration: .init(upgradeConfiguration: configuration)
                    )
                    upgraded.whenComplete { result in
                        run.handshakeFinished(index: index, channel: channel, upgraded: (try? result.get()) ?? false)
                    }
                }
            }
            .connect(host: wire.host, port: port)
            .whenFailure { _ in run.handshakeFinished(index: index, channel: nil, upgraded: false) }
    }

    private func handshakeFinished(index: Int, channel: (any Channel)?, upgraded: Bool) {
        connectsFinished += 1
        if upgraded, let channel {
            channels[index] = channel
            // Sent once the upgrade is complete and the HTTP handlers are gone.
            let frames = wire.subscribeFrames(entity: entityName(entity(ofSubscriber: index)))
            for text in frames {
                let data = channel.allocator.buffer(string: text)
                channel.write(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: data), promise: nil)
            }
            if !frames.isEmpty { channel.flush() }
            if !wire.readyNeedsReply { markReady(index) }
        } else {
            connectFailures += 1
            channel?.close(promise: nil)
        }
        connectNext()
    }

    func markReady(_ index: Int) {
        guard !ready[index] else { return }
        ready[index] = true
        readyCount += 1
    }

    func subscriberClosed(_ index: Int) {
        closedByPeer += 1
        if index == slowIndex { slowClosedByServer = true }
        channels[index] = nil
    }

    @inline(__always)
    func received(_ index: Int, _ data: ByteBuffer) {
        guard let (seq, nanos) = Wire.readMark(data) else {
            if wire.readyNeedsReply && !ready[index] { markReady(index) } else { strayFrames += 1 }
            return
        }
        if seq == 0 {
            if !warmSeen[index] {
                warmSeen[index] = true
                warmSeenCount += 1
            }
            return
        }
        guard measuring, seq <= plannedSeqs else {
            strayFrames += 1
            return
        }
        if index == slowIndex {
            slowFrames += 1
            return
        }
        let local: Int
        switch layout {
        case .broadcast, .none: local = seq - 1
        case .routing:
            guard (seq - 1) % subscriberCount == index else {
                strayFrames += 1
                return
            }
            local = (seq - 1) / subscriberCount
        }
        let word = local >> 6
        let bit = UInt64(1) << UInt64(local & 63)
        if bits[index][word] & bit != 0 {
            duplicates += 1
            return
        }
        bits[index][word] |= bit
        unique += 1
        uniqueByNode[index % uniqueByNode.count] += 1
        let now = monotonicNanos()
        latency.record(now > nanos ? (now - nanos) / 1000 : 0)
        if firstDelivery == 0 { firstDelivery = now }
        lastDelivery = now
    }

    /// Stops reading on one subscriber (the slow consumer).
    func stall(_ index: Int) {
        slowIndex = index
        channels[index]?.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
    }

    // MARK: Publishers

    func connectPublishers(_ count: Int) -> EventLoopFuture<Void> {
        loop.preconditionInEventLoop()
        publishers = Array(repeating: nil, count: count)
        inFlight = Array(repeating: nil, count: count)
        return EventLoopFuture.andAllSucceed((0..<count).map { connectPublisher($0) }, on: loop)
    }

    private func connectPublisher(_ index: Int) -> EventLoopFuture<Void> {
        let run = self
        return ClientBootstrap(group: loop)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(PublisherHandler(index: index, run: run))
                }
            }
            .connect(host: wire.host, port: wire.port(ofConnection: index))
            .map { channel in
                run.publishers[index] = channel
                run.idlePublishers.append(index)
                run.pump()
            }
    }

    var backlog: Int { pending.count - pendingHead }

    func enqueue(_ item: Pending) {
        pending.append(item)
        maxBacklog = max(maxBacklog, backlog)
    }

    func pump() {
        while pendingHead < pending.count, let publisher = idlePublishers.popLast() {
            let item = pending[pendingHead]
            pendingHead += 1
            send(item, on: publisher)
        }
        if pendingHead > 4096, pendingHead * 2 > pending.count {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
    }

    private func send(_ item: Pending, on publisher: Int) {
        guard let channel = publishers[publisher] else { return }
        let marks = (0..<entriesPerPublish).map { _ in Wire.mark(seq: item.seq, nanos: item.due) }
        let (head, body) = wire.publishRequest(
            entity: entityName(item.entity),
            marks: marks,
            port: wire.port(ofConnection: publisher),
            allocator: channel.allocator
        )
        inFlight[publisher] = item
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
    }

    func publisherFinished(_ publisher: Int, accepted: Bool) {
        guard let item = inFlight[publisher] else { return }
        inFlight[publisher] = nil
        idlePublishers.append(publisher)
        if item.seq > 0 {
            let now = monotonicNanos()
            measuredResponses += 1
            lastResponse = now
            requestLatency.record(now > item.due ? (now - item.due) / 1000 : 0)
            if accepted {
                measuredAccepted += 1
                switch layout {
                case .broadcast: expected += subscriberCount - (slowIndex == nil ? 0 : 1)
                case .routing: expected += item.entity == slowIndex ? 0 : 1
                case .none: break
                }
            } else {
                publishErrors += 1
            }
        } else if !accepted {
            publishErrors += 1
        }
        pump()
    }

    /// A publish connection closed (a server may end keep-alive after some requests): its request in
    /// flight, if any, counts as an error, and it is reconnected (at most `maximumReconnects` times in all).
    func publisherClosed(_ publisher: Int) {
        publishers[publisher] = nil
        idlePublishers.removeAll { $0 == publisher }
        if let item = inFlight[publisher] {
            if item.seq > 0 { measuredResponses += 1 }
            publishErrors += 1
        }
        inFlight[publisher] = nil
        guard !closing, reconnects < 10_000 else { return }
        reconnects += 1
        connectPublisher(publisher).whenFailure { _ in }
    }

    /// Issues `count` messages at `rate` per second, each due at its place in the schedule (so a backlog on
    /// the generator counts as latency: no coordinated omission). `seqBase` 0 marks warm-up messages.
    func schedule(count: Int, rate: Double, measured: Bool, entities: [Int]) {
        loop.preconditionInEventLoop()
        guard count > 0 else { return }
        scheduleDone = false
        let start = monotonicNanos()
        scheduleIssued = 0
        let interval = 1e9 / rate
        scheduleTask = loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(1)) { [self] task in
            let now = monotonicNanos()
            let due = min(count, Int(Double(now - start) / interval) + 1)
            while scheduleIssued < due {
                let issued = scheduleIssued
                let seq = measured ? issued + 1 : 0
                let entity: Int
                switch layout {
                case .routing: entity = measured ? issued % subscriberCount : entities[issued % entities.count]
                case .broadcast, .none: entity = 0
                }
                enqueue(Pending(seq: seq, entity: entity, due: start + UInt64(Double(issued) * interval)))
                if measured { measuredIssued += 1 }
                scheduleIssued += 1
            }
            pump()
            if scheduleIssued >= count {
                task.cancel()
                scheduleDone = true
            }
        }
    }

    /// Starts the measured phase: `count` messages, sequence numbers 1…count.
    func beginMeasurement(count: Int, rate: Double) {
        plannedSeqs = count
        let localCount: Int
        switch layout {
        case .broadcast, .none: localCount = count
        case .routing: localCount = (count + subscriberCount - 1) / max(subscriberCount, 1)
        }
        let words = (localCount + 63) / 64
        bits = Array(repeating: Array(repeating: 0, count: words), count: subscriberCount)
        latency.reset()
        requestLatency.reset()
        measuring = true
        schedule(count: count, rate: rate, measured: true, entities: [])
    }

    /// Whether everything published in the measured phase has been answered and delivered.
    var measurementComplete: Bool {
        scheduleDone && measuredResponses == measuredIssued && backlog == 0 && unique >= expected
    }

    func closeAll() -> EventLoopFuture<Void> {
        closing = true
        scheduleTask?.cancel()
        let all = (channels + publishers).compactMap { $0 }
        return EventLoopFuture.andAllComplete(all.map { $0.close() }, on: loop)
    }
}

/// Reads frames on one subscriber; looks at nothing but the mark.
final class SubscriberHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let index: Int
    let run: LoadRun

    init(index: Int, run: LoadRun) {
        self.index = index
        self.run = run
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            run.received(index, frame.maskKey == nil ? frame.data : frame.unmaskedData)
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        run.subscriberClosed(index)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// Reads publish responses on one keep-alive HTTP connection.
final class PublisherHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    let index: Int
    let run: LoadRun
    var status: HTTPResponseStatus = .ok
    var body = ByteBuffer()

    init(index: Int, run: LoadRun) {
        self.index = index
        self.run = run
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = head.status
            body.clear()
        case .body(var chunk):
            body.writeBuffer(&chunk)
        case .end:
            run.publisherFinished(index, accepted: run.wire.publishSucceeded(status: status, body: body))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        run.publisherClosed(index)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
