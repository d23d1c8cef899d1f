import ArgumentParser
import Foundation

struct ConnectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connections",
        abstract: "WebSocket connections: list, show (with subscriptions), disconnect.",
        discussion: """
            Examples:
              pushbridge connections list
              pushbridge connections show Xy3…
              pushbridge connections disconnect Xy3…

            \(exitCodesHelp)
            """,
        subcommands: [ConnectionsList.self, ConnectionsShow.self, ConnectionsDisconnect.self]
    )
}

struct ConnectionsList: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List connections, oldest first.",
        discussion: """
            Examples:
              pushbridge connections list
              pushbridge connections list --limit 50 --json

            \(exitCodesHelp)
            """
    )

    @OptionGroup var options: ClientOptions

    @Option(help: "Connections per page, 1–1000.")
    var limit: Int = 100

    @Option(help: "Continue after a previous page.")
    var nextToken: String?

    func execute(_ client: AdminClient) async throws {
        let reply = try await client.admin("GET", "/admin/connections" + AdminClient.query([("limit", String(limit)), ("nextToken", nextToken)]))
        if options.json { return Format.raw(reply) }
        let connections = reply.object["connections"] as? [[String: Any]] ?? []
        guard !connections.isEmpty else {
            Console.out("No connection is open.")
            return
        }
        var table = Table(["CONNECTION", "SOURCE-IP", "CONNECTED", "LAST-ACTIVE", "SUBS", "USER", "USER-AGENT"])
        for connection in connections {
            table.add([
                Format.text(connection["connectionId"]), Format.text(connection["sourceIp"]), Format.time(connection["connectedAt"]),
                Format.time(connection["lastActiveAt"]), Format.text(connection["subscriptionCount"]),
                Format.truncate(Format.text(connection["userId"]), 32), Format.truncate(Format.text(connection["userAgent"]), 40),
            ])
        }
        Console.out(table.render())
        if let token = reply.object["nextToken"] as? String { Console.err("More: pushbridge connections list --next-token \(token)") }
    }
}

struct ConnectionsShow: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one connection and what it is subscribed to.",
        discussion: """
            Example:
              pushbridge connections show Xy3…

            \(exitCodesHelp)
            """
    )

    @OptionGroup var options: ClientOptions

    @Argument(help: "The connection id.")
    var id: String

    func execute(_ client: AdminClient) async throws {
        let reply = try await client.admin("GET", "/admin/connections/" + AdminClient.segment(id))
        if options.json { return Format.raw(reply) }
        let connection = reply.object
        var table = Table(["FIELD", "VALUE"])
        for (label, key) in [
            ("connection", "connectionId"), ("user", "userId"), ("source ip", "sourceIp"), ("user agent", "userAgent"), ("stage", "stage"),
        ] {
            table.add([label, Format.text(connection[key])])
        }
        if let claims = connection["claims"], !(claims is NSNull),
            let data = try? JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys, .withoutEscapingSlashes])
        {
            table.add(["claims", String(decoding: data, as: UTF8.self)])
        }
        table.add(["connected", Format.time(connection["connectedAt"])])
        table.add(["last active", Format.time(connection["lastActiveAt"])])
        let subscriptions = connection["subscriptions"] as? [String] ?? []
        table.add(["subscriptions", subscriptions.isEmpty ? "(none)" : subscriptions.joined(separator: ", ")])
        Console.out(table.render())
    }
}

struct ConnectionsDisconnect: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "disconnect",
        abstract: "Close a connection (1000) and drop its subscriptions.",
        discussion: """
            Example:
              pushbridge connections disconnect Xy3…

            \(exitCodesHelp)
            """
    )

    @OptionGroup var options: ClientOptions

    @Argument(help: "The connection id.")
    var id: String

    func execute(_ client: AdminClient) async throws {
        let reply = try await client.admin("DELETE", "/admin/connections/" + AdminClient.segment(id))
        if options.json { return Format.raw(reply) }
        Console.out("Disconnected \(id).")
    }
}

struct SubscriptionsCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscriptions",
        abstract: "Who is subscribed to an entity, or what a connection is subscribed to.",
        discussion: """
            Examples:
              pushbridge subscriptions --entity myEntityId
              pushbridge subscriptions --connection Xy3…

            \(exitCodesHelp)
            """
    )

    @OptionGroup var options: ClientOptions

    @Option(help: "An entity id: list the connections subscribed to it.")
    var entity: String?

    @Option(help: "A connection id: list the entities it is subscribed to.")
    var connection: String?

    func validate() throws {
        if (entity == nil) == (connection == nil) { throw ValidationError("Give exactly one of --entity or --connection.") }
    }

    func execute(_ client: AdminClient) async throws {
        let reply = try await client.admin("GET", "/admin/subscriptions" + AdminClient.query([("entity", entity), ("connection", connection)]))
        if options.json { return Format.raw(reply) }
        if let entity {
            let ids = reply.object["connections"] as? [String] ?? []
            var table = Table(["CONNECTION"])
            for id in ids { table.add([id]) }
            Console.out(ids.isEmpty ? "No connection is subscribed to \(entity)." : table.render())
        } else {
            let entities = reply.object["entities"] as? [String] ?? []
            var table = Table(["ENTITY"])
            for entity in entities { table.add([entity]) }
            Console.out(entities.isEmpty ? "Connection \(connection ?? "") has no subscription." : table.render())
        }
    }
}
