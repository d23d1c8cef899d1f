import ServiceLifecycle

/// Runs the worker loop of every target queue, including queues created while running.
public final class DeliveryWorkers: Service {
    private let stream: AsyncStream<DeliveryQueue>
    private let continuation: AsyncStream<DeliveryQueue>.Continuation

    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: DeliveryQueue.self)
    }

    /// Starts `queue`'s worker now, or when ``run()`` starts.
    public func start(_ queue: DeliveryQueue) { continuation.yield(queue) }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for await queue in stream.cancelOnGracefulShutdown() {
                group.addTask { await queue.run() }
            }
            group.cancelAll()
        }
    }
}
