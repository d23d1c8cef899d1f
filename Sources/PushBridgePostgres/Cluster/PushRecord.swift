/// One thing a node asks the others to push on their sockets, sent in `pushbridge_push` notifications.
///
/// A notification's payload is `push NODE` and a newline, then records back to back. Each record is a kind byte
/// and length-prefixed fields (`LENGTH:BYTES`, the length in decimal bytes), so any text travels unescaped:
/// - `e KEY FRAME`: the subscribers of entity KEY get FRAME;
/// - `u KEY FRAME`: the connections of user KEY get FRAME;
/// - `p ID FRAME`: PostToConnection of FRAME to connection ID (only its node holds it);
/// - `d ID`: DeleteConnection of ID;
/// - `rNUMBER;`: the record is in `push_payloads` row NUMBER (it passes NOTIFY's 8000-byte limit, or holds a NUL
///   byte, which a notification cannot carry).
///
/// Payloads come from the database, where any client may NOTIFY: every length is parsed into a checked range and
/// anything malformed refuses the whole payload.
enum PushRecord: Equatable, Sendable {
    case entity(key: String, frame: String)
    case user(key: String, frame: String)
    case post(connectionId: String, frame: String)
    case disconnect(connectionId: String)
    case stored(id: Int64)

    static let channel = "pushbridge_push"
    /// NOTIFY refuses payloads of 8000 bytes or more.
    static let maximumPayloadBytes = 7900
    /// A record larger than this goes to `push_payloads`.
    static let maximumInlineBytes = 6000
    /// No frame or key a node sends is larger (PostToConnection and events are far smaller).
    static let maximumFieldBytes = 64 * 1024 * 1024

    static func header(node: String) -> String { "push \(node)\n" }

    var encoded: String {
        func field(_ text: String) -> String { "\(text.utf8.count):\(text)" }
        switch self {
        case .entity(let key, let frame): return "e" + field(key) + field(frame)
        case .user(let key, let frame): return "u" + field(key) + field(frame)
        case .post(let id, let frame): return "p" + field(id) + field(frame)
        case .disconnect(let id): return "d" + field(id)
        case .stored(let id): return "r\(id);"
        }
    }

    /// Whether a notification can carry it: under the inline limit and without a NUL byte.
    var fitsInline: Bool {
        let text = encoded
        return text.utf8.count <= Self.maximumInlineBytes && !text.utf8.contains(0)
    }

    /// The sending node and the records of a payload; nil when it is not one.
    static func parse(payload: String) -> (node: String, records: [PushRecord])? {
        let bytes = Array(payload.utf8)
        guard bytes.count < 8000, let newline = bytes.firstIndex(of: 0x0A), newline > 5, bytes[0..<5].elementsEqual("push ".utf8) else {
            return nil
        }
        guard let node = String(validating: bytes[5..<newline], as: UTF8.self), ClusterNotification.isValidId(node) else { return nil }
        guard let records = parseRecords(bytes[(newline + 1)...], allowStored: true), !records.isEmpty else { return nil }
        return (node, records)
    }

    /// One record as stored in `push_payloads` (never a reference to another row).
    static func parseStored(_ bytes: [UInt8]) -> PushRecord? {
        guard let records = parseRecords(bytes[...], allowStored: false), records.count == 1 else { return nil }
        return records[0]
    }

    private static func parseRecords(_ bytes: ArraySlice<UInt8>, allowStored: Bool) -> [PushRecord]? {
        var reader = Reader(bytes: bytes)
        var records: [PushRecord] = []
        while let kind = reader.next() {
            switch kind {
            case UInt8(ascii: "e"), UInt8(ascii: "u"), UInt8(ascii: "p"):
                guard let key = reader.field(), let frame = reader.field() else { return nil }
                if kind == UInt8(ascii: "e") {
                    records.append(.entity(key: key, frame: frame))
                } else if kind == UInt8(ascii: "u") {
                    records.append(.user(key: key, frame: frame))
                } else {
                    records.append(.post(connectionId: key, frame: frame))
                }
            case UInt8(ascii: "d"):
                guard let id = reader.field() else { return nil }
                records.append(.disconnect(connectionId: id))
            case UInt8(ascii: "r") where allowStored:
                // 1 to 18 digits: always within Int64.
                guard let digits = reader.digits(upTo: 18), digits > 0, reader.next() == UInt8(ascii: ";") else { return nil }
                records.append(.stored(id: digits))
            default:
                return nil
            }
        }
        return records
    }

    private struct Reader {
        let bytes: ArraySlice<UInt8>
        var index: ArraySlice<UInt8>.Index

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            self.index = bytes.startIndex
        }

        mutating func next() -> UInt8? {
            guard index < bytes.endIndex else { return nil }
            defer { index += 1 }
            return bytes[index]
        }

        /// A decimal number of 1 to `maximum` digits; nil when there is none or more.
        mutating func digits(upTo maximum: Int) -> Int64? {
            var value: Int64 = 0
            var count = 0
            while index < bytes.endIndex, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                count += 1
                guard count <= maximum else { return nil }
                value = value * 10 + Int64(bytes[index] - 0x30)
                index += 1
            }
            return count == 0 ? nil : value
        }

        /// `LENGTH:BYTES` as UTF-8 text; nil when the length is malformed, passes the end, or the bytes are not UTF-8.
        mutating func field() -> String? {
            guard let length = digits(upTo: 9), length <= Int64(PushRecord.maximumFieldBytes), next() == UInt8(ascii: ":") else { return nil }
            let count = Int(length)
            guard bytes.endIndex - index >= count else { return nil }
            let slice = bytes[index..<(index + count)]
            index += count
            return String(validating: slice, as: UTF8.self)
        }
    }
}
