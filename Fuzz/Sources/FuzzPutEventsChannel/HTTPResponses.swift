import FuzzSupport
import PushBridgeJSON

/// Checks bytes written to an HTTP/1.1 client: a sequence of whole responses, each with a Content-Length (but `100
/// Continue`).
enum HTTPResponses {
    static func check(_ bytes: [UInt8]) {
        var rest = bytes[...]
        var closed = false
        while !rest.isEmpty {
            Fuzz.require(!closed, "a response after one with Connection: close")
            guard let end = headerEnd(rest) else { return Fuzz.require(false, "a response without the end of its header: \(text(rest))") }
            let lines = text(rest[..<end]).split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
            rest = rest[(end + 4)...]
            Fuzz.require(lines[0].hasPrefix("HTTP/1.1 ") || lines[0].hasPrefix("HTTP/1.0 "), "status line \(lines[0])")
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { return Fuzz.require(false, "header line \(line)") }
                headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].drop { $0 == " " })
            }
            // `100 Continue` for `Expect: 100-continue`: an interim answer, with no headers and no body.
            if lines[0].hasPrefix("HTTP/1.1 100 ") {
                Fuzz.require(headers.isEmpty, "an interim response with headers: \(lines)")
                continue
            }
            guard let length = headers["content-length"].flatMap({ Int($0) }) else { return Fuzz.require(false, "no Content-Length: \(lines)") }
            Fuzz.require(rest.count >= length, "a body shorter than its Content-Length \(length)")
            let body = Array(rest.prefix(length))
            rest = rest.dropFirst(length)
            closed = headers["connection"]?.lowercased() == "close"
            guard headers["x-amzn-requestid"] != nil else { continue }
            let json = try? JSONParser.parse(body)
            Fuzz.require(json != nil, "an Events API body that is not JSON: \(text(body[...]))")
            if lines[0].contains(" 200 ") {
                Fuzz.require(json?.jsonText == text(body[...]), "a 200 body that is not compact JSON: \(text(body[...]))")
            }
        }
    }

    private static func headerEnd(_ bytes: ArraySlice<UInt8>) -> Int? {
        let pattern: [UInt8] = [13, 10, 13, 10]
        var index = bytes.startIndex
        while index + 4 <= bytes.endIndex {
            if bytes[index..<index + 4].elementsEqual(pattern) { return index }
            index += 1
        }
        return nil
    }

    private static func text(_ bytes: ArraySlice<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
}
