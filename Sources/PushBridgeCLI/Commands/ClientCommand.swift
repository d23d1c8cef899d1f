import ArgumentParser

/// A command that talks to a running server: failures print one message and what to do, then exit with a
/// meaningful status (see ``ExitStatus``).
protocol ClientCommand: AsyncParsableCommand {
    var options: ClientOptions { get }
    func execute(_ client: AdminClient) async throws
}

extension ClientCommand {
    func run() async throws {
        do {
            try await execute(AdminClient(options: options))
        } catch let failure as CLIFailure {
            Console.err(Style.stderr.red("error: ") + failure.message)
            if let hint = failure.hint { Console.err(hint) }
            throw ExitCode(failure.status.rawValue)
        }
    }
}

/// The dead-letter filter every DLQ command takes.
struct DeadLetterFilterOptions: ParsableArguments {
    @Option(help: "Target id, or bus/rule/targetId for one exact target.")
    var target: String?

    @Option(help: "Rule name.")
    var rule: String?

    @Option(help: "Event bus name.")
    var bus: String?

    @Option(help: "EventBridge error code, e.g. ERROR_FROM_TARGET, TIMEOUT, CONNECTION_FAILURE, THROTTLING, NO_RESOURCE.")
    var errorCode: String?

    @Option(help: "Dead-lettered at or after: RFC 3339 time, epoch milliseconds, or an age like 30m, 2h, 7d.")
    var since: String?

    @Option(help: "Dead-lettered at or before (same forms as --since).")
    var until: String?

    var items: [(String, String?)] {
        [("target", target), ("rule", rule), ("bus", bus), ("errorCode", errorCode), ("since", since), ("until", until)]
    }

    var isEmpty: Bool { items.allSatisfy { $0.1 == nil } }

    var body: [String: Any] {
        var body: [String: Any] = [:]
        for (name, value) in items { if let value { body[name] = value } }
        return body
    }
}
