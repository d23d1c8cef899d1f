import ArgumentParser

struct NodesCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes",
        abstract: "Show the cluster's nodes (serve --postgres): alive or not, last heartbeat, sockets and messages each holds.",
        discussion: """
            Examples:
              pushbridge nodes
              pushbridge nodes --json | jq '.nodes[] | select(.alive | not)'

            \(exitCodesHelp)
            """
    )

    @OptionGroup var options: ClientOptions

    func execute(_ client: AdminClient) async throws {
        let reply = try await client.admin("GET", "/admin/nodes")
        if options.json { return Format.raw(reply) }
        guard reply.object["cluster"] as? Bool == true else {
            Console.out("Not a cluster: this server runs alone (start nodes with serve --postgres URL).")
            return
        }
        let nodes = reply.object["nodes"] as? [[String: Any]] ?? []
        var table = Table(["NODE", "STATE", "STARTED", "HEARTBEAT", "CONNECTIONS", "MESSAGES"])
        let style = Style.stdout
        table.colour = { column, cell, padded in column == 1 && cell != "alive" ? style.red(padded) : padded }
        for node in nodes {
            let me = node["self"] as? Bool == true
            let age = Format.int(node["heartbeatAgeMs"]).map { Format.age($0 / 1000) + " ago" } ?? "-"
            table.add([
                Format.text(node["id"]) + (me ? " *" : ""), node["alive"] as? Bool == true ? "alive" : "lease expired",
                Format.time(node["startedAt"]), age, Format.text(node["connections"]), Format.text(node["messages"]),
            ])
        }
        Console.out(table.render())
        Console.out("* the node that answered; PostgreSQL \(Format.text(reply.object["postgres"])) from it")
    }
}
