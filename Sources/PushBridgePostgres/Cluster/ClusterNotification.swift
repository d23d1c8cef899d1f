/// The LISTEN/NOTIFY channels nodes talk on.
enum ClusterChannel {
    /// Buses, rules or targets changed: reload them.
    static let configuration = "pushbridge_config"
    /// Dead letters were added or removed.
    static let deadLetters = "pushbridge_dlq"
}

/// A notification's payload, written by one node and parsed by the others. A payload comes from outside the
/// process (any client of the database may NOTIFY), so parsing checks every part and refuses what it does not
/// know instead of trusting it.
///
/// Forms (fields separated by one space):
/// - `config NODE VERSION`: NODE committed configuration version VERSION (a non-negative Int64).
/// - `dlq NODE +ID,ID… -ID,ID…`: dead letters NODE added (+) and removed (-); either list may be absent.
enum ClusterNotification: Equatable {
    case configurationChanged(node: String, version: Int64)
    case deadLettersChanged(node: String, added: [String], removed: [String])

    /// NOTIFY refuses payloads of 8000 bytes or more; dead-letter lists are cut below this.
    static let maximumPayloadBytes = 7900
    static let maximumIdBytes = 128

    var payload: String {
        switch self {
        case .configurationChanged(let node, let version): "config \(node) \(version)"
        case .deadLettersChanged(let node, let added, let removed):
            "dlq \(node)" + (added.isEmpty ? "" : " +" + added.joined(separator: ","))
                + (removed.isEmpty ? "" : " -" + removed.joined(separator: ","))
        }
    }

    /// The payloads that name every id, each under ``maximumPayloadBytes``; ids that could not be parsed back
    /// (empty, too long, or holding a separator) are left out: the periodic reload still catches them.
    static func deadLetterPayloads(node: String, added: [String], removed: [String]) -> [String] {
        var payloads: [String] = []
        var current = (added: [String](), removed: [String]())
        var bytes = 4 + node.utf8.count + 4
        func flush() {
            guard !current.added.isEmpty || !current.removed.isEmpty else { return }
            payloads.append(ClusterNotification.deadLettersChanged(node: node, added: current.added, removed: current.removed).payload)
            current = ([], [])
            bytes = 4 + node.utf8.count + 4
        }
        for (id, isAdded) in added.map({ ($0, true) }) + removed.map({ ($0, false) }) where isValidId(id) {
            if bytes + id.utf8.count + 1 > maximumPayloadBytes { flush() }
            if isAdded { current.added.append(id) } else { current.removed.append(id) }
            bytes += id.utf8.count + 1
        }
        flush()
        return payloads
    }

    /// nil for anything that is not one of the forms above.
    init?(payload: String) {
        guard payload.utf8.count < 8000 else { return nil }
        let fields = payload.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count >= 2, Self.isValidId(fields[1]) else { return nil }
        let node = String(fields[1])
        switch fields[0] {
        case "config":
            // Digits only, at most 18 of them: always within Int64, never a trap.
            guard fields.count == 3, (1...18).contains(fields[2].utf8.count), fields[2].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                let version = Int64(fields[2])
            else { return nil }
            self = .configurationChanged(node: node, version: version)
        case "dlq":
            var added: [String] = []
            var removed: [String] = []
            for field in fields.dropFirst(2) {
                guard let sign = field.first, sign == "+" || sign == "-" else { return nil }
                let ids = field.dropFirst().split(separator: ",", omittingEmptySubsequences: false)
                guard ids.allSatisfy(Self.isValidId) else { return nil }
                if sign == "+" { added += ids.map(String.init) } else { removed += ids.map(String.init) }
            }
            guard !added.isEmpty || !removed.isEmpty else { return nil }
            self = .deadLettersChanged(node: node, added: added, removed: removed)
        default:
            return nil
        }
    }

    /// Node ids and dead-letter ids are UUID-like: letters, digits and '-', 1 to 128 bytes.
    static func isValidId(_ text: some StringProtocol) -> Bool {
        (1...maximumIdBytes).contains(text.utf8.count)
            && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D }
    }
}
