import CurlTransport
import Foundation
import Logging

/// The CLI's HTTP client: the admin API and the public endpoints of one server, over libcurl.
struct AdminClient {
    let options: ClientOptions
    let http = CurlHTTPClient(maximumConnectionsPerHost: 2, logger: Logger(label: "pushbridge.cli") { _ in SwiftLogNoOpLogHandler() })

    struct Reply {
        var status: Int
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        /// The body as JSON (an object), or an empty object.
        var object: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]) ?? [:] }
    }

    /// Percent-encodes one path segment (`/` included).
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#%")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    static func query(_ items: [(String, String?)]) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        let parts = items.compactMap { name, value in
            value.map { "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0)" }
        }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }

    /// Calls the admin API; any status but 2xx becomes a ``CLIFailure`` with the server's message.
    func admin(_ method: String, _ path: String, body: [String: Any]? = nil, timeout: Duration = .seconds(60)) async throws -> Reply {
        var headers: [(String, String)] = [("Accept", "application/json")]
        if let token = options.resolvedToken { headers.append(("Authorization", "Bearer \(token)")) }
        var bytes: [UInt8] = []
        if let body {
            bytes = Array(try JSONSerialization.data(withJSONObject: body))
            headers.append(("Content-Type", "application/json"))
        }
        let reply = try await send(method, path, headers: headers, body: bytes, timeout: timeout)
        guard (200..<300).contains(reply.status) else { throw failure(for: reply) }
        return reply
    }

    /// Sends one request; only a transport failure throws.
    func send(
        _ method: String,
        _ path: String,
        headers: [(String, String)],
        body: [UInt8],
        timeout: Duration = .seconds(60)
    ) async throws
        -> Reply
    {
        var request = HTTPRequest(
            method: .init(rawValue: method),
            url: options.serverURL + path,
            headers: headers,
            body: body,
            connectTimeout: .seconds(5),
            totalTimeout: timeout
        )
        request.certificateAuthorities = options.certificateAuthorities
        do throws(CurlError) {
            let response = try await http.execute(request)
            return Reply(status: response.status, body: response.body)
        } catch let error where error.isTLSFailure {
            throw CLIFailure(
                status: .unreachable,
                message: "No TLS connection to PushBridge at \(options.serverURL): \(error.message)",
                hint: """
                    If its certificate comes from a private CA, pass that CA's certificate with --ca-file FILE (or PUSHBRIDGE_CA_FILE); \
                    a server started without --tls-cert serves http:// only.
                    """
            )
        } catch {
            throw CLIFailure(
                status: .unreachable,
                message: "Cannot reach PushBridge at \(options.serverURL): \(error.message)",
                hint: "Is the server running (`pushbridge serve`)? Point the CLI at it with --server URL or PUSHBRIDGE_URL."
            )
        }
    }

    func failure(for reply: Reply) -> CLIFailure {
        let error = reply.object["error"] as? [String: Any]
        let message = (error?["message"] as? String) ?? (reply.object["message"] as? String) ?? "HTTP \(reply.status): \(reply.text.prefix(200))"
        switch reply.status {
        case 401:
            let source =
                options.token != nil
                ? "--token"
                : ProcessInfo.processInfo.environment["PUSHBRIDGE_ADMIN_TOKEN"].map { _ in "PUSHBRIDGE_ADMIN_TOKEN" }
                    ?? (options.resolvedToken != nil ? "the token file \(options.tokenFilePath)" : nil)
            return CLIFailure(
                status: .unauthorized,
                message: "Unauthorized: \(message)",
                hint: source.map {
                    "The token from \($0) was refused. Use the token `pushbridge serve` printed at start (also in its --admin-token-file)."
                }
                    ?? "No admin token found. Pass --token, set PUSHBRIDGE_ADMIN_TOKEN, or point --token-file at the file `pushbridge serve` wrote (default ~/.pushbridge/admin-token)."
            )
        case 404, 410: return CLIFailure(status: .notFound, message: message)
        default: return CLIFailure(status: .failure, message: message)
        }
    }
}
