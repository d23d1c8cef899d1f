import AWSSigV4

/// A request as written in the suite's `request.txt`: raw HTTP/1.1 with LF line ends.
///
/// Parsed by hand rather than with an HTTP library because the suite is deliberately malformed for one: the request
/// target may hold literal spaces and raw UTF-8 (`GET /example space/ HTTP/1.1`), names repeat, and values fold
/// onto continuation lines. The raw header lines are kept so the signed request can be rebuilt byte for byte.
struct RawHTTPRequest {
    var method: String
    /// Everything between the method and the version: path plus `?query`, exactly as written.
    var target: String
    var version: String
    var path: String
    var query: String
    /// Header lines as written, continuation lines included.
    var headerLines: [String]
    /// Parsed fields; an obs-fold (newline plus indentation) becomes one space, as RFC 9112 §5.2 tells recipients.
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    init(_ bytes: [UInt8]) throws {
        let newline = UInt8(ascii: "\n")
        var headEnd = bytes.endIndex
        var bodyStart = bytes.endIndex
        for index in bytes.indices.dropLast() where bytes[index] == newline && bytes[index + 1] == newline {
            headEnd = index
            bodyStart = index + 2
            break
        }
        body = Array(bytes[bodyStart...])
        var lines = bytes[..<headEnd].split(separator: newline, omittingEmptySubsequences: false).map {
            String(decoding: $0.last == UInt8(ascii: "\r") ? $0.dropLast() : $0, as: UTF8.self)
        }
        if lines.last == "" {
            lines.removeLast()
        }
        guard let requestLine = lines.first,
            let firstSpace = requestLine.firstIndex(of: " "),
            let lastSpace = requestLine.lastIndex(of: " "),
            firstSpace < lastSpace
        else { throw ParseError(description: "bad request line in \(String(decoding: bytes.prefix(80), as: UTF8.self))") }

        method = String(requestLine[..<firstSpace])
        target = String(requestLine[requestLine.index(after: firstSpace)..<lastSpace])
        version = String(requestLine[requestLine.index(after: lastSpace)...])
        if let questionMark = target.firstIndex(of: "?") {
            path = String(target[..<questionMark])
            query = String(target[target.index(after: questionMark)...])
        } else {
            path = target
            query = ""
        }

        headerLines = Array(lines.dropFirst())
        headers = []
        for line in headerLines {
            if line.first == " " || line.first == "\t" {
                guard !headers.isEmpty else { throw ParseError(description: "continuation line before any header: \(line)") }
                headers[headers.count - 1].value += " " + line.drop { $0 == " " || $0 == "\t" }
            } else {
                guard let colon = line.firstIndex(of: ":") else { throw ParseError(description: "header line without ':': \(line)") }
                headers.append((name: String(line[..<colon]), value: String(line[line.index(after: colon)...])))
            }
        }
    }

    var signingRequest: SigningRequest {
        SigningRequest(method: method, path: path, query: query, headers: headers, body: body)
    }

    /// The request as the suite writes a signed one: the original lines, then `added` as `Name:value` lines.
    func rendered(target: String? = nil, adding added: [(name: String, value: String)] = []) -> String {
        var text = "\(method) \(target ?? self.target) \(version)\n"
        for line in headerLines {
            text += line + "\n"
        }
        for (name, value) in added {
            text += "\(name):\(value)\n"
        }
        return text + "\n" + String(decoding: body, as: UTF8.self)
    }
}
