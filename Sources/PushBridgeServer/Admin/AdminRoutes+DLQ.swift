import Foundation
import Hummingbird
import Logging
import PushBridgeCore
import PushBridgeJSON

/// `/admin/dlq`: list, show, delete, redrive, purge.
extension AdminRoutes {
    func listDeadLetters(_ request: Request, _ context: Context) async throws -> Response {
        let filter = try AdminQuery.filter(query: request)
        let limit = try AdminQuery.limit(request.uri.queryParameters["limit"].map(String.init))
        let entries = runtime.deadLetters.list(filter)
        var start = 0
        if let token = request.uri.queryParameters["nextToken"].map(String.init), !token.isEmpty {
            let key = try AdminQuery.decodeToken(token)
            let parts = key.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, let milliseconds = Int64(parts[0]) else { throw AdminError.badRequest("nextToken is not valid.") }
            // After the entry the last page ended with; if it is gone meanwhile, after its time.
            if let index = entries.firstIndex(where: { $0.id == parts[1] }) {
                start = index + 1
            } else {
                start = entries.firstIndex { $0.deadLetteredAt.milliseconds > milliseconds } ?? entries.count
            }
        }
        let page = entries[start..<min(entries.count, start + limit)]
        var members: [(String, JSONValue)] = [
            ("deadLetters", .array(page.map { AdminJSON.deadLetter($0, detail: false) })),
            ("count", AdminJSON.int(page.count)),
            ("total", AdminJSON.int(entries.count)),
        ]
        if start + limit < entries.count, let last = page.last {
            members.append(("nextToken", .string(AdminQuery.encodeToken("\(last.deadLetteredAt.milliseconds) \(last.id)"))))
        }
        return AdminResponses.json(AdminJSON.object(members))
    }

    func showDeadLetter(_ request: Request, _ context: Context) async throws -> Response {
        let id = Self.parameter("id", context)
        guard let entry = runtime.deadLetters.entry(id: id) else { throw Self.noDeadLetter(id) }
        return AdminResponses.json(AdminJSON.deadLetter(entry, detail: true))
    }

    func deleteDeadLetter(_ request: Request, _ context: Context) async throws -> Response {
        let id = Self.parameter("id", context)
        guard let entry = runtime.deadLetters.remove(id: id) else { throw Self.noDeadLetter(id) }
        context.logger.notice("Dead letter deleted by operator", metadata: ["pb.dlq.id": "\(entry.id)", "pb.event.id": "\(entry.eventId)"])
        return AdminResponses.json(AdminJSON.object([("deleted", .string(entry.id))]))
    }

    static func noDeadLetter(_ id: String) -> AdminError {
        .notFound("No dead letter with id \(id); list them with `pushbridge dlq list`.")
    }

    /// Selects dead letters from a POST body: `{"id":…}`, `{"ids":[…]}`, `{"all":true}` or filter fields
    /// (`target`, `rule`, `bus`, `errorCode`, `since`, `until`, with or without `all`). An empty selection is refused,
    /// so an empty body never touches every entry by accident. Every member is checked, whichever one selects: a
    /// member of the wrong type, or `id`/`ids` given with anything else that selects, is a 400, never ignored.
    func selection(_ body: JSONObject) throws -> (entries: [DeadLetterEntry], missing: [String]) {
        let id = try AdminQuery.string(body, "id")
        var ids: [String]?
        if let value = body["ids"] {
            guard let list = value.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
                throw AdminError.badRequest("ids must be an array of strings.")
            }
            ids = list.compactMap(\.stringValue)
        }
        var values: [String: String] = [:]
        for key in ["target", "rule", "bus", "errorCode", "since", "until"] {
            if let value = try AdminQuery.string(body, key) { values[key] = value }
        }
        var all = false
        if let value = body["all"] {
            guard case .bool(let flag) = value else { throw AdminError.badRequest("all must be true or false.") }
            all = flag
        }
        let filter = try AdminQuery.filter { values[$0] }
        if id != nil || ids != nil {
            guard id == nil || ids == nil, values.isEmpty, !all else {
                throw AdminError.badRequest("Give id or ids on its own, not with each other, a filter or all.")
            }
        }
        if let id {
            guard let entry = runtime.deadLetters.entry(id: id) else { throw Self.noDeadLetter(id) }
            return ([entry], [])
        }
        if let ids {
            var entries: [DeadLetterEntry] = []
            var missing: [String] = []
            for id in ids {
                if let entry = runtime.deadLetters.entry(id: id) { entries.append(entry) } else { missing.append(id) }
            }
            return (entries, missing)
        }
        guard all || !AdminQuery.isEmpty(filter) else {
            throw AdminError.badRequest("Say which dead letters: id, ids, a filter (target, rule, bus, errorCode, since, until) or all=true.")
        }
        return (runtime.deadLetters.list(filter), [])
    }

    /// Sends the selected dead letters back to their targets with fresh attempts; `ratePerSecond` paces it.
    func redrive(_ request: Request, _ context: Context) async throws -> Response {
        let body = try await AdminQuery.body(request, context: context)
        var rate: Double?
        if let value = body["ratePerSecond"], !value.isNull {
            // Bounded before it divides: a tiny rate would make a pause no Duration can hold.
            guard case .number(let number) = value, let double = number.double, AdminQuery.redriveRates.contains(double) else {
                throw AdminError.badRequest(
                    "ratePerSecond must be a number from \(AdminQuery.redriveRates.lowerBound) to \(Int(AdminQuery.redriveRates.upperBound))."
                )
            }
            rate = double
        }
        let (entries, missing) = try selection(body)
        var redriven = 0
        var failures: [JSONValue] = missing.map { id in
            AdminJSON.object([("id", .string(id)), ("code", "NotFound"), ("message", .string("No dead letter with id \(id)."))])
        }
        let started = ContinuousClock.now
        for (index, entry) in entries.enumerated() {
            if let rate, index > 0 {
                let due = started + .milliseconds(Int64((Double(index) / rate * 1000).rounded()))
                if due > .now { try await Task.sleep(until: due, clock: .continuous) }
            }
            do {
                try await runtime.router.redrive(entry)
                redriven += 1
            } catch {
                failures.append(AdminJSON.object([("id", .string(entry.id)), ("code", .string(error.code)), ("message", .string(error.message))]))
            }
        }
        context.logger.notice(
            "Dead letters redriven by operator",
            metadata: ["pb.matched": "\(entries.count)", "pb.redriven": "\(redriven)", "pb.failed": "\(failures.count)"]
        )
        return AdminResponses.json(
            AdminJSON.object([
                ("matched", AdminJSON.int(entries.count + missing.count)),
                ("redriven", AdminJSON.int(redriven)),
                ("failed", AdminJSON.int(failures.count)),
                ("failures", .array(failures)),
            ])
        )
    }

    /// Removes dead letters by filter (or `all`), and says how many.
    func purge(_ request: Request, _ context: Context) async throws -> Response {
        let body = try await AdminQuery.body(request, context: context)
        let (entries, _) = try selection(body)
        var purged = 0
        for entry in entries where runtime.deadLetters.remove(id: entry.id) != nil { purged += 1 }
        context.logger.notice("Dead letters purged by operator", metadata: ["pb.purged": "\(purged)"])
        return AdminResponses.json(AdminJSON.object([("purged", AdminJSON.int(purged))]))
    }
}
