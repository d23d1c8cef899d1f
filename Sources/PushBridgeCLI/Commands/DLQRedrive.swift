import ArgumentParser
import Foundation

struct DLQRedrive: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "redrive",
        abstract: "Send dead letters back to their targets with fresh attempts.",
        discussion: """
            Give one id, a filter, or --all. Large redrives go in batches, with progress on a terminal;
            --rate paces them so a receiver that just came back is not flooded.

            Examples:
              pushbridge dlq redrive 3F2A9C4E-…
              pushbridge dlq redrive --target default/Orders/webhook --since 1h
              pushbridge dlq redrive --all --rate 100

            \(exitCodesHelp)
            """
    )

    @OptionGroup var options: ClientOptions
    @OptionGroup var filter: DeadLetterFilterOptions

    @Argument(help: "One dead letter's id; omit it to redrive by filter or --all.")
    var id: String?

    @Flag(help: "Redrive every dead letter.")
    var all = false

    @Option(help: "At most this many redrives per second.")
    var rate: Double?

    func validate() throws {
        if id != nil && (!filter.isEmpty || all) { throw ValidationError("Give either an id, or a filter / --all, not both.") }
        if id == nil && filter.isEmpty && !all {
            throw ValidationError("Say what to redrive: an id, a filter (--target, --rule, --bus, --error-code, --since, --until) or --all.")
        }
        // Checked before it sizes batches and pauses (`Int(1e300)` would trap); the server takes the same range.
        if let rate, !(0.01...1_000_000).contains(rate) {
            throw ValidationError("--rate must be a number from 0.01 to 1000000 (redrives per second), not \(rate).")
        }
    }

    func execute(_ client: AdminClient) async throws {
        if let id {
            var body: [String: Any] = ["id": id]
            if let rate { body["ratePerSecond"] = rate }
            let reply = try await client.admin("POST", "/admin/dlq/redrive", body: body)
            return try report(reply.object, raw: reply)
        }
        let ids = try await matchingIds(client)
        guard !ids.isEmpty else {
            if options.json { print(#"{"matched":0,"redriven":0,"failed":0,"failures":[]}"#) } else { Console.out("No dead letter matches.") }
            return
        }
        let batch = rate.map { max(1, min(100, Int($0))) } ?? 100
        var redriven = 0
        var failures: [[String: Any]] = []
        let clock = ContinuousClock()
        let started = clock.now
        var sent = 0
        while sent < ids.count {
            if let rate, sent > 0 {
                let due = started + .milliseconds(Int64(Double(sent) / rate * 1000))
                if due > clock.now { try await Task.sleep(until: due, clock: clock) }
            }
            let chunk = Array(ids[sent..<min(ids.count, sent + batch)])
            var body: [String: Any] = ["ids": chunk]
            if let rate { body["ratePerSecond"] = rate }
            let reply = try await client.admin("POST", "/admin/dlq/redrive", body: body, timeout: .seconds(120))
            redriven += Format.int(reply.object["redriven"]) ?? 0
            failures += reply.object["failures"] as? [[String: Any]] ?? []
            sent += chunk.count
            Console.progress("Redriving: \(sent)/\(ids.count) sent, \(redriven) redriven, \(failures.count) failed")
        }
        Console.endProgress()
        let summary: [String: Any] = ["matched": ids.count, "redriven": redriven, "failed": failures.count, "failures": failures]
        try report(summary, raw: nil)
    }

    /// Every matching id, by paging through the list (bounded: at most 1000 pages of 1000).
    private func matchingIds(_ client: AdminClient) async throws -> [String] {
        var ids: [String] = []
        var token: String?
        for _ in 0..<1000 {
            let query = AdminClient.query(filter.items + [("limit", "1000"), ("nextToken", token)])
            let reply = try await client.admin("GET", "/admin/dlq" + query)
            ids += (reply.object["deadLetters"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            Console.progress("Listing dead letters: \(ids.count)")
            token = reply.object["nextToken"] as? String
            if token == nil { break }
        }
        Console.endProgress()
        return ids
    }

    private func report(_ result: [String: Any], raw: AdminClient.Reply?) throws {
        let failures = result["failures"] as? [[String: Any]] ?? []
        if options.json {
            if let raw { Format.raw(raw) } else { print(Format.json(result)) }
        } else {
            let matched = Format.int(result["matched"]) ?? 0
            Console.out("Redriven \(Format.int(result["redriven"]) ?? 0) of \(matched) dead letter(s).")
            if !failures.isEmpty {
                var table = Table(["ID", "ERROR", "MESSAGE"])
                for failure in failures {
                    table.add([Format.text(failure["id"]), Format.text(failure["code"]), Format.truncate(Format.text(failure["message"]), 90)])
                }
                Console.out("\(failures.count) failed (still in the DLQ):\n" + table.render())
            }
        }
        if !failures.isEmpty { throw ExitCode(ExitStatus.partial.rawValue) }
    }
}
