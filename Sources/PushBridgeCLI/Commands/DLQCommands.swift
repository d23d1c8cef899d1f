import ArgumentParser
import Foundation

struct DLQCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "Inspect, redrive, delete and purge dead letters (events a target could not take).",
        discussion: """
            A dead letter keeps the event, the target, EventBridge's DLQ attributes and every delivery attempt.

            Examples:
              pushbridge dlq list --target push --since 1h
              pushbridge dlq show 3F2A…
              pushbridge dlq redrive 3F2A…
              pushbridge dlq redrive --error-code CONNECTION_FAILURE --rate 50
              pushbridge dlq purge --rule OldRule

            \(exitCodesHelp)
            """,
        subcommands: [DLQList.self, DLQShow.self, DLQRedrive.self, DLQDelete.self, DLQPurge.self]
    )
}

struct DLQList: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List dead letters, oldest first.",
        discussion: """
            Examples:
              pushbridge dlq list
              pushbridge dlq list --target default/EntityUpdated/push --error-code ERROR_FROM_TARGET --since 2h
              pushbridge dlq list --json --limit 1000 | jq -r '.deadLetters[].id'

            \(exitCodesHelp)
            """
    )

    @OptionGroup var options: ClientOptions
    @OptionGroup var filter: DeadLetterFilterOptions

    @Option(help: "Entries per page, 1–1000.")
    var limit: Int = 100

    @Option(help: "Continue after a previous page (the nextToken it printed).")
    var nextToken: String?

    func execute(_ client: AdminClient) async throws {
        let query = AdminClient.query(filter.items + [("limit", String(limit)), ("nextToken", nextToken)])
        let reply = try await client.admin("GET", "/admin/dlq" + query)
        if options.json { return Format.raw(reply) }
        let entries = reply.object["deadLetters"] as? [[String: Any]] ?? []
        guard !entries.isEmpty else {
            Console.out(filter.isEmpty ? "The dead-letter queue is empty." : "No dead letter matches the filter.")
            return
        }
        var table = Table(["ID", "TARGET", "ERROR", "RETRIES", "DEAD-LETTERED", "MESSAGE"])
        let style = Style.stdout
        table.colour = { column, _, padded in column == 2 ? style.red(padded) : padded }
        for entry in entries {
            table.add([
                Format.text(entry["id"]), Format.text(entry["target"]), Format.text(entry["errorCode"]), Format.text(entry["retryAttempts"]),
                Format.time(entry["deadLetteredAt"]), Format.truncate(Format.text(entry["errorMessage"]), 60),
            ])
        }
        Console.out(table.render())
        let total = Format.int(reply.object["total"]) ?? entries.count
        if let token = reply.object["nextToken"] as? String {
            Console.err("Showing \(entries.count) of \(total). Next page: pushbridge dlq list --next-token \(token) (with the same filter)")
        }
    }
}

struct DLQShow: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one dead letter: why it failed, every attempt, and the event.",
        discussion: """
            Examples:
              pushbridge dlq show 3F2A9C4E-…
              pushbridge dlq show 3F2A9C4E-… --json | jq .event.detail

            \(exitCodesHelp)
            """
    )

    @OptionGroup var options: ClientOptions

    @Argument(help: "The dead letter's id (from `pushbridge dlq list`).")
    var id: String

    func execute(_ client: AdminClient) async throws {
        let reply = try await client.admin("GET", "/admin/dlq/" + AdminClient.segment(id))
        if options.json { return Format.raw(reply) }
        let entry = reply.object
        let style = Style.stdout
        var fields = Table(["FIELD", "VALUE"])
        for (label, key) in [
            ("id", "id"), ("event id", "eventId"), ("target", "target"), ("target arn", "targetArn"), ("rule arn", "ruleArn"),
            ("error code", "errorCode"), ("error message", "errorMessage"), ("exhausted", "exhaustedRetryCondition"),
            ("retry attempts", "retryAttempts"),
        ] {
            fields.add([label, Format.text(entry[key])])
        }
        for (label, key) in [
            ("ingested", "ingestedAt"), ("first attempt", "firstAttemptAt"), ("last attempt", "lastAttemptAt"), ("dead-lettered", "deadLetteredAt"),
        ] {
            fields.add([label, Format.time(entry[key])])
        }
        Console.out(fields.render())
        let attempts = entry["attempts"] as? [[String: Any]] ?? []
        Console.out("\n" + style.bold("Attempts (\(attempts.count))"))
        var table = Table(["#", "STARTED", "ERROR", "MESSAGE"])
        for attempt in attempts {
            table.add([
                Format.text(attempt["number"]), Format.time(attempt["startedAt"]), Format.text(attempt["errorCode"]),
                Format.truncate(Format.text(attempt["errorMessage"]), 80),
            ])
        }
        Console.out(attempts.isEmpty ? "(none: it never reached the target)" : table.render())
        Console.out("\n" + style.bold("Event"))
        Console.out(entry["event"].map(Format.json) ?? "-")
        Console.out("\nRedrive it with: pushbridge dlq redrive \(id)")
    }
}

struct DLQDelete: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete one dead letter without redriving it.",
        discussion: """
            Example:
              pushbridge dlq delete 3F2A9C4E-…

            \(exitCodesHelp)
            """
    )

    @OptionGroup var options: ClientOptions

    @Argument(help: "The dead letter's id.")
    var id: String

    func execute(_ client: AdminClient) async throws {
        let reply = try await client.admin("DELETE", "/admin/dlq/" + AdminClient.segment(id))
        if options.json { return Format.raw(reply) }
        Console.out("Deleted dead letter \(id).")
    }
}

struct DLQPurge: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge",
        abstract: "Delete every dead letter matching a filter (or --all), and print how many.",
        discussion: """
            Examples:
              pushbridge dlq purge --rule OldRule
              pushbridge dlq purge --until 7d
              pushbridge dlq purge --all

            \(exitCodesHelp)
            """
    )

    @OptionGroup var options: ClientOptions
    @OptionGroup var filter: DeadLetterFilterOptions

    @Flag(help: "Purge every dead letter (needed when no filter is given).")
    var all = false

    func validate() throws {
        if filter.isEmpty && !all { throw ValidationError("Give a filter (--target, --rule, --bus, --error-code, --since, --until) or --all.") }
    }

    func execute(_ client: AdminClient) async throws {
        var body = filter.body
        if all { body["all"] = true }
        let reply = try await client.admin("POST", "/admin/dlq/purge", body: body)
        if options.json { return Format.raw(reply) }
        Console.out("Purged \(Format.int(reply.object["purged"]) ?? 0) dead letter(s).")
    }
}
