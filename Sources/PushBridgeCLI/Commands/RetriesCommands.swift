import ArgumentParser

struct RetriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retries",
        abstract: "Messages waiting for their next delivery attempt: list, retry now, or cancel (to the DLQ).",
        discussion: """
            A retry's id is bus/rule/targetId/messageId, as `retries list` prints it.

            Examples:
              pushbridge retries list
              pushbridge retries now default/Orders/webhook/42
              pushbridge retries cancel default/Orders/webhook/42

            \(exitCodesHelp)
            """,
        subcommands: [RetriesList.self, RetriesNow.self, RetriesCancel.self]
    )
}

struct RetriesList: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List messages waiting for a retry, soonest first.",
        discussion: """
            Examples:
              pushbridge retries list
              pushbridge retries list --target webhook --json

            \(exitCodesHelp)
            """
    )

    @OptionGroup var options: ClientOptions

    @Option(help: "Only this target id (or bus/rule/targetId).")
    var target: String?

    @Option(help: "Entries per page, 1–1000.")
    var limit: Int = 100

    @Option(help: "Continue after a previous page.")
    var nextToken: String?

    func execute(_ client: AdminClient) async throws {
        let query = AdminClient.query([("target", target), ("limit", String(limit)), ("nextToken", nextToken)])
        let reply = try await client.admin("GET", "/admin/retries" + query)
        if options.json { return Format.raw(reply) }
        let retries = reply.object["retries"] as? [[String: Any]] ?? []
        guard !retries.isEmpty else {
            Console.out("No message is waiting for a retry.")
            return
        }
        var table = Table(["ID", "EVENT", "ATTEMPTS", "NEXT-ATTEMPT", "LAST-ERROR", "MESSAGE"])
        for retry in retries {
            table.add([
                Format.text(retry["id"]), Format.text(retry["eventId"]), Format.text(retry["attempts"]), Format.time(retry["dueAt"]),
                Format.text(retry["lastErrorCode"]), Format.truncate(Format.text(retry["lastErrorMessage"]), 50),
            ])
        }
        Console.out(table.render())
        if let token = reply.object["nextToken"] as? String { Console.err("More: pushbridge retries list --next-token \(token)") }
    }
}

/// Splits `bus/rule/targetId/messageId` into the URL path `/admin/retries/{target}/{messageId}`.
func retryPath(_ id: String) throws -> String {
    guard let slash = id.lastIndex(of: "/"), !id[id.index(after: slash)...].isEmpty, id[..<slash].split(separator: "/").count >= 3 else {
        throw ValidationError("A retry id looks like bus/rule/targetId/messageId (as `pushbridge retries list` prints it), not '\(id)'.")
    }
    return "/admin/retries/\(AdminClient.segment(String(id[..<slash])))/\(AdminClient.segment(String(id[id.index(after: slash)...])))"
}

struct RetriesNow: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "now",
        abstract: "Make a waiting message due now (its next attempt happens at once).",
        discussion: """
            Example:
              pushbridge retries now default/Orders/webhook/42

            \(exitCodesHelp)
            """
    )

    @OptionGroup var options: ClientOptions

    @Argument(help: "The retry's id: bus/rule/targetId/messageId.")
    var id: String

    func validate() throws { _ = try retryPath(id) }

    func execute(_ client: AdminClient) async throws {
        let reply = try await client.admin("POST", try retryPath(id) + "/now")
        if options.json { return Format.raw(reply) }
        Console.out("Retrying \(id) now.")
    }
}

struct RetriesCancel: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Stop retrying a message and move it to the DLQ.",
        discussion: """
            Example:
              pushbridge retries cancel default/Orders/webhook/42

            \(exitCodesHelp)
            """
    )

    @OptionGroup var options: ClientOptions

    @Argument(help: "The retry's id: bus/rule/targetId/messageId.")
    var id: String

    func validate() throws { _ = try retryPath(id) }

    func execute(_ client: AdminClient) async throws {
        let reply = try await client.admin("POST", try retryPath(id) + "/cancel")
        if options.json { return Format.raw(reply) }
        Console.out("Cancelled \(id); dead letter \(Format.text(reply.object["deadLetterId"])).")
    }
}
