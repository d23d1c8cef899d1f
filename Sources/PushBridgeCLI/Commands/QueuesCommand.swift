import ArgumentParser

struct QueuesCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "queues",
        abstract: "Show every target's queue: depth, in flight, waiting for retry, DLQ depth and counters.",
        discussion: """
            Examples:
              pushbridge queues
              pushbridge queues --json | jq '.queues[] | select(.dlqDepth > 0)'

            \(exitCodesHelp)
            """
    )

    @OptionGroup var options: ClientOptions

    func execute(_ client: AdminClient) async throws {
        let reply = try await client.admin("GET", "/admin/queues")
        if options.json { return Format.raw(reply) }
        let queues = reply.object["queues"] as? [[String: Any]] ?? []
        guard !queues.isEmpty else {
            Console.out("No targets yet: add rules and targets with the EventBridge API (see the README).")
            return
        }
        var table = Table(["TARGET", "DEPTH", "READY", "IN-FLIGHT", "RETRYING", "NEXT-RETRY", "DLQ", "DELIVERED", "FAILED", "RETRIED"])
        let style = Style.stdout
        table.colour = { column, cell, padded in column == 6 && cell != "0" ? style.red(padded) : padded }
        for queue in queues {
            let counters = queue["counters"] as? [String: Any] ?? [:]
            table.add([
                Format.text(queue["target"]), Format.text(queue["depth"]), Format.text(queue["ready"]), Format.text(queue["inFlight"]),
                Format.text(queue["waitingForRetry"]), Format.time(queue["nextRetryAt"]), Format.text(queue["dlqDepth"]),
                Format.text(counters["delivered"]), Format.text(counters["failedAttempts"]), Format.text(counters["retried"]),
            ])
        }
        Console.out(table.render())
        Console.out("Dead letters in all: \(Format.text(reply.object["dlqDepth"]))")
    }
}
