import ArgumentParser
import Foundation

struct PutEventsCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "put-events",
        abstract: "Publish events through the public PutEvents endpoint (POST /events); no admin token needed.",
        discussion: """
            Either one event from --source, --detail-type and --detail, or up to 10 entries from a file in
            PutEvents' shape (an array of entries, or {"Entries": [...]}); `-` reads standard input.

            Examples:
              pushbridge put-events --source shop --detail-type "Entity Updated" --detail '{"entityId":"e1","message":"hi"}'
              pushbridge put-events --entries events.json
              echo '[{"Source":"a","DetailType":"b","Detail":"{}"}]' | pushbridge put-events --entries -
              PUSHBRIDGE_INGEST_TOKEN=… pushbridge put-events --entries events.json   # a server with --ingest-tokens-file
              pushbridge put-events --profile publisher --entries events.json      # a server with --aws-credentials-file

            \(exitCodesHelp)
            """
    )

    @OptionGroup var options: ClientOptions

    @OptionGroup var signing: AWSSigningOptions

    @Option(help: "The event's source.")
    var source: String?

    @Option(help: "The event's detail-type.")
    var detailType: String?

    @Option(help: "The event's detail, a JSON object.")
    var detail: String?

    @Option(help: "Event bus name (default: default).")
    var bus: String?

    @Option(help: "A file of PutEvents entries (JSON); `-` for standard input.")
    var entries: String?

    @Option(help: "Bearer token, for a server started with --ingest-tokens-file. [env: PUSHBRIDGE_INGEST_TOKEN]")
    var ingestToken: String?

    func validate() throws {
        if entries != nil {
            if source != nil || detailType != nil || detail != nil {
                throw ValidationError("Give --entries, or --source/--detail-type/--detail, not both.")
            }
        } else if source == nil || detailType == nil || detail == nil {
            throw ValidationError("Give --source, --detail-type and --detail (or --entries FILE).")
        }
    }

    func execute(_ client: AdminClient) async throws {
        let list = try entryList()
        let body = try JSONSerialization.data(withJSONObject: ["Entries": list])
        var headers = [("Content-Type", "application/json")]
        if let token = ingestToken ?? ProcessInfo.processInfo.environment["PUSHBRIDGE_INGEST_TOKEN"], !token.isEmpty {
            headers.append(("Authorization", "Bearer \(token)"))
        } else {
            headers = try signing.sign(method: "POST", url: options.serverURL + "/events", headers: headers, body: Array(body), service: "events")
        }
        let reply = try await client.send("POST", "/events", headers: headers, body: Array(body))
        guard reply.status == 200 else {
            let object = reply.object
            let code = Format.text(object["__type"])
            var hint: String?
            if reply.status == 401 {
                hint = "Pass a token of the server's --ingest-tokens-file with --ingest-token or PUSHBRIDGE_INGEST_TOKEN."
            } else if AWSSigningOptions.signatureErrorCodes.contains(code) {
                hint = AWSSigningOptions.refusedSignatureHint
            }
            throw CLIFailure(
                status: hint == nil ? .failure : .unauthorized,
                message: "PutEvents refused (HTTP \(reply.status)): \(code): \(Format.text(object["message"]))",
                hint: hint
            )
        }
        let results = reply.object["Entries"] as? [[String: Any]] ?? []
        let failed = Format.int(reply.object["FailedEntryCount"]) ?? 0
        if options.json {
            Format.raw(reply)
        } else {
            var table = Table(["#", "EVENT-ID", "ERROR"])
            let style = Style.stdout
            table.colour = { column, cell, padded in column == 2 && cell != "-" ? style.red(padded) : padded }
            for (index, result) in results.enumerated() {
                let error = result["ErrorCode"].map { "\(Format.text($0)): \(Format.text(result["ErrorMessage"]))" } ?? "-"
                table.add([String(index + 1), Format.text(result["EventId"]), error])
            }
            Console.out(table.render())
        }
        if failed > 0 {
            Console.err("\(failed) of \(results.count) entries failed.")
            throw ExitCode(ExitStatus.partial.rawValue)
        }
    }

    private func entryList() throws -> [Any] {
        guard let entries else {
            var entry: [String: Any] = ["Source": source ?? "", "DetailType": detailType ?? "", "Detail": detail ?? ""]
            if let bus { entry["EventBusName"] = bus }
            return [entry]
        }
        let data: Data
        if entries == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: entries) else {
                throw CLIFailure(status: .failure, message: "Cannot read \(entries).", hint: "Give a readable JSON file, or - for standard input.")
            }
            data = contents
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw CLIFailure(status: .failure, message: "\(entries) is not valid JSON: \(error.localizedDescription)")
        }
        if let list = json as? [Any] { return list }
        if let object = json as? [String: Any], let list = object["Entries"] as? [Any] { return list }
        throw CLIFailure(status: .failure, message: "\(entries) must hold an array of entries or {\"Entries\": [...]}.")
    }
}

struct PostToConnectionCommand: ClientCommand {
    static let configuration = CommandConfiguration(
        commandName: "post-to-connection",
        abstract: "Send data to one WebSocket connection (API Gateway's PostToConnection); no admin token needed.",
        discussion: """
            Examples:
              pushbridge post-to-connection Xy3… 'hello'
              echo '{"type":"ping"}' | pushbridge post-to-connection Xy3… -
              pushbridge post-to-connection --profile operator Xy3… 'hello'   # a server with --aws-credentials-file

            \(exitCodesHelp)
            """
    )

    @OptionGroup var options: ClientOptions

    @OptionGroup var signing: AWSSigningOptions

    @Argument(help: "The connection id.")
    var id: String

    @Argument(help: "The data to send as one text message; `-` reads standard input.")
    var data: String

    func execute(_ client: AdminClient) async throws {
        let bytes = data == "-" ? Array(FileHandle.standardInput.readDataToEndOfFile()) : Array(data.utf8)
        let path = "/@connections/" + AdminClient.segment(id)
        let headers = try signing.sign(method: "POST", url: options.serverURL + path, headers: [], body: bytes, service: "execute-api")
        let reply = try await client.send("POST", path, headers: headers, body: bytes)
        switch reply.status {
        case 200:
            if options.json {
                print(Format.json(["connectionId": id, "bytes": bytes.count]))
            } else {
                Console.out("Sent \(bytes.count) bytes to \(id).")
            }
        case 410:
            throw CLIFailure(
                status: .notFound,
                message: "Connection \(id) is gone.",
                hint: "List open connections with `pushbridge connections list`."
            )
        case 403:
            throw CLIFailure(
                status: .unauthorized,
                message: "PostToConnection refused (HTTP 403): \(Format.text(reply.object["message"]))",
                hint: AWSSigningOptions.refusedSignatureHint
            )
        default:
            throw CLIFailure(status: .failure, message: "PostToConnection failed (HTTP \(reply.status)): \(Format.text(reply.object["message"]))")
        }
    }
}
