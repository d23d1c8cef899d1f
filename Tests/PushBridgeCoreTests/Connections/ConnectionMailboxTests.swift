import NIOCore
import PushBridgeCore
import Testing

@Suite("ConnectionMailbox")
struct ConnectionMailboxTests {
    private enum Action: Equatable {
        case frame(String)
        case close(UInt16, String)
        case wait
        case finished
    }

    private static func simplify(_ action: OutboundBufferState<ByteBuffer>.NextAction) -> Action {
        switch action {
        case .frame(let buffer): .frame(String(buffer: buffer))
        case .close(let code, let reason): .close(code, reason)
        case .wait: .wait
        case .finished: .finished
        }
    }

    private func next(_ mailbox: ConnectionMailbox) async -> Action { Self.simplify(await mailbox.next()) }

    private func send(_ mailbox: ConnectionMailbox, _ text: String) -> SendResult { mailbox.send(text: ByteBuffer(string: text)) }

    @Test("Queued frames come out in order")
    func order() async {
        let mailbox = ConnectionMailbox(maximumFrames: 10, maximumBytes: 1000)
        #expect(send(mailbox, "one") == .queued)
        #expect(send(mailbox, "two") == .queued)
        #expect(mailbox.bufferedFrames == 2)
        #expect(await next(mailbox) == .frame("one"))
        #expect(await next(mailbox) == .frame("two"))
        #expect(mailbox.bufferedFrames == 0)
    }

    @Test("Limits by frames and by bytes")
    func limits() async {
        let byFrames = ConnectionMailbox(maximumFrames: 2, maximumBytes: 1000)
        #expect(send(byFrames, "a") == .queued)
        #expect(send(byFrames, "b") == .queued)
        #expect(send(byFrames, "c") == .bufferFull)

        let byBytes = ConnectionMailbox(maximumFrames: 100, maximumBytes: 8)
        #expect(send(byBytes, "12345") == .queued)
        #expect(send(byBytes, "123") == .queued)
        #expect(send(byBytes, "1") == .bufferFull)
        #expect(await next(byBytes) == .frame("12345"))
        #expect(send(byBytes, "1") == .queued)
    }

    @Test("close wins over queued frames, is reported once, and refuses later sends")
    func close() async {
        let codes = Recorder<UInt16>()
        let mailbox = ConnectionMailbox(maximumFrames: 10, maximumBytes: 1000) { code in codes.append(code) }
        _ = send(mailbox, "queued")
        mailbox.close(code: CloseCode.policyViolation, reason: "slow consumer")
        mailbox.close(code: CloseCode.normal, reason: "again")
        #expect(codes.all == [1008])
        #expect(send(mailbox, "late") == .closed)
        #expect(await next(mailbox) == .close(1008, "slow consumer"))
        #expect(await next(mailbox) == .finished)
    }

    @Test("finish ends the writer and refuses sends")
    func finish() async {
        let mailbox = ConnectionMailbox(maximumFrames: 10, maximumBytes: 1000)
        _ = send(mailbox, "dropped")
        mailbox.finish()
        #expect(mailbox.bufferedFrames == 0)
        #expect(await next(mailbox) == .finished)
        #expect(send(mailbox, "x") == .closed)
    }

    @Test("A waiting next() is resumed by send")
    func resumedBySend() async {
        let mailbox = ConnectionMailbox(maximumFrames: 10, maximumBytes: 1000)
        let writer = Task { Self.simplify(await mailbox.next()) }
        for _ in 0..<100 { await Task.yield() }
        #expect(send(mailbox, "hello") == .queued)
        #expect(await writer.value == .frame("hello"))
        #expect(mailbox.bufferedFrames == 0)
    }

    @Test("A waiting next() is resumed by close and by finish")
    func resumedByClose() async {
        let closing = ConnectionMailbox(maximumFrames: 10, maximumBytes: 1000)
        let closeWriter = Task { Self.simplify(await closing.next()) }
        for _ in 0..<100 { await Task.yield() }
        closing.close(code: CloseCode.goingAway, reason: "shutdown")
        #expect(await closeWriter.value == .close(1001, "shutdown"))

        let finishing = ConnectionMailbox(maximumFrames: 10, maximumBytes: 1000)
        let finishWriter = Task { Self.simplify(await finishing.next()) }
        for _ in 0..<100 { await Task.yield() }
        finishing.finish()
        #expect(await finishWriter.value == .finished)
    }

    @Test("Cancelling a waiting next() finishes the mailbox")
    func cancellation() async {
        let mailbox = ConnectionMailbox(maximumFrames: 10, maximumBytes: 1000)
        let writer = Task { Self.simplify(await mailbox.next()) }
        for _ in 0..<100 { await Task.yield() }
        writer.cancel()
        #expect(await writer.value == .finished)
        #expect(send(mailbox, "after") == .closed)
    }

    @Test("next() in an already-cancelled task finishes at once")
    func alreadyCancelled() async {
        let mailbox = ConnectionMailbox(maximumFrames: 10, maximumBytes: 1000)
        let writer = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return Self.simplify(await mailbox.next())
        }
        #expect(await writer.value == .finished)
        #expect(send(mailbox, "after") == .closed)
    }
}
