import PushBridgeCore
import Testing

@Suite("OutboundBufferState")
struct OutboundBufferStateTests {
    private enum Action: Equatable {
        case frame(String)
        case close(UInt16, String)
        case wait
        case finished
    }

    private func next(_ state: inout OutboundBufferState<String>) -> Action {
        switch state.next() {
        case .frame(let frame): .frame(frame)
        case .close(let code, let reason): .close(code, reason)
        case .wait: .wait
        case .finished: .finished
        }
    }

    @Test("Frames come out in order, then the writer waits")
    func fifo() {
        var state = OutboundBufferState<String>(maximumFrames: 10, maximumBytes: 1000)
        #expect(next(&state) == .wait)
        #expect(state.enqueue("a", size: 1) == .queued)
        #expect(state.enqueue("b", size: 2) == .queued)
        #expect(state.bufferedFrames == 2)
        #expect(state.bufferedBytes == 3)
        #expect(next(&state) == .frame("a"))
        #expect(state.bufferedBytes == 2)
        #expect(next(&state) == .frame("b"))
        #expect(next(&state) == .wait)
        #expect(state.bufferedFrames == 0)
        #expect(state.bufferedBytes == 0)
    }

    @Test("The frame limit refuses the frame beyond it")
    func frameLimit() {
        var state = OutboundBufferState<String>(maximumFrames: 2, maximumBytes: 1000)
        #expect(state.enqueue("a", size: 1) == .queued)
        #expect(state.enqueue("b", size: 1) == .queued)
        #expect(state.enqueue("c", size: 1) == .bufferFull)
        #expect(state.bufferedFrames == 2)
        _ = state.next()
        #expect(state.enqueue("c", size: 1) == .queued)
    }

    @Test("The byte limit: exactly at it is accepted, one byte over is refused")
    func byteLimit() {
        var state = OutboundBufferState<String>(maximumFrames: 100, maximumBytes: 10)
        #expect(state.enqueue("a", size: 6) == .queued)
        #expect(state.enqueue("b", size: 5) == .bufferFull)
        #expect(state.enqueue("b", size: 4) == .queued)
        #expect(state.bufferedBytes == 10)
        #expect(state.enqueue("c", size: 1) == .bufferFull)
        _ = state.next()
        #expect(state.enqueue("c", size: 6) == .queued)
    }

    @Test("One frame larger than the byte limit is accepted into an empty buffer only")
    func oversizedFrame() {
        var state = OutboundBufferState<String>(maximumFrames: 100, maximumBytes: 10)
        #expect(state.enqueue("big", size: 50) == .queued)
        #expect(state.enqueue("small", size: 1) == .bufferFull)
    }

    @Test("A close request wins over queued frames and drops them")
    func closeWins() {
        var state = OutboundBufferState<String>(maximumFrames: 10, maximumBytes: 1000)
        _ = state.enqueue("a", size: 1)
        _ = state.enqueue("b", size: 1)
        #expect(state.requestClose(code: 1008, reason: "slow") == true)
        #expect(state.enqueue("c", size: 1) == .closed)
        #expect(next(&state) == .close(1008, "slow"))
        #expect(state.bufferedFrames == 0)
        #expect(state.bufferedBytes == 0)
        #expect(next(&state) == .finished)
        #expect(state.enqueue("d", size: 1) == .closed)
    }

    @Test("The first close request's code wins")
    func firstCloseWins() {
        var state = OutboundBufferState<String>(maximumFrames: 10, maximumBytes: 1000)
        #expect(state.requestClose(code: 1000, reason: "bye") == true)
        #expect(state.requestClose(code: 1008, reason: "slow") == false)
        #expect(next(&state) == .close(1000, "bye"))
        #expect(state.requestClose(code: 1001, reason: "late") == false)
    }

    @Test("finish drops everything and ends the writer")
    func finish() {
        var state = OutboundBufferState<String>(maximumFrames: 10, maximumBytes: 1000)
        _ = state.enqueue("a", size: 5)
        state.finish()
        #expect(state.bufferedFrames == 0)
        #expect(state.bufferedBytes == 0)
        #expect(next(&state) == .finished)
        #expect(state.enqueue("b", size: 1) == .closed)
        #expect(state.requestClose(code: 1000, reason: "") == false)
        #expect(next(&state) == .finished)
    }
}
