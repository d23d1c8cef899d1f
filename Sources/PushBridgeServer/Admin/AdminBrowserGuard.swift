import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Keeps browsers from driving the admin API on an operator's behalf (cross-site request forgery): a request
/// carrying an `Origin` not in `--allowed-origins` is refused, and a write with a body must say it is JSON, which a
/// plain HTML form cannot. The CLI sends no `Origin` and labels its bodies, so it passes. The server's own origin
/// (the console at `/console/`) is always allowed: its requests still need the token.
struct AdminBrowserGuard<Context: RequestContext>: RouterMiddleware {
    let allowedOrigins: OriginAllowList?
    /// Whether the port speaks TLS: the server's own origin is then `https://` and the `Host`.
    var servesTLS = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        var hasBody = (request.headers[.contentLength].flatMap { Int($0) } ?? 0) > 0
        if request.headers[.transferEncoding] != nil {
            // A chunked body may still be empty: read it (the handlers read the same buffer), within their 1 MiB.
            do {
                hasBody = try await request.collectBody(upTo: AdminQuery.maximumBodyBytes).readableBytes > 0
            } catch is NIOTooManyBytesError {
                return AdminResponses.error(AdminQuery.bodyTooLarge)
            } catch {
                return AdminResponses.error(AdminQuery.bodyIncomplete)
            }
        }
        if let refusal = Self.refusal(
            method: request.method,
            origin: request.headers[.origin],
            contentType: request.headers[.contentType],
            hasBody: hasBody,
            allowedOrigins: allowedOrigins,
            ownOrigin: request.head.authority.map { "\(servesTLS ? "https" : "http")://\($0)" }
        ) {
            return AdminResponses.error(refusal)
        }
        return try await next(request, context)
    }

    /// Why a request is refused, or nil. Pure.
    static func refusal(
        method: HTTPRequest.Method,
        origin: String?,
        contentType: String?,
        hasBody: Bool,
        allowedOrigins: OriginAllowList?,
        ownOrigin: String? = nil
    ) -> AdminError? {
        if let origin, !OriginAllowList.trusts(origin, ownOrigin: ownOrigin, allowed: allowedOrigins) {
            return AdminError(
                status: .forbidden,
                code: "Forbidden",
                message: "Admin requests from the browser origin \(origin) are refused; list it in --allowed-origins to allow it."
            )
        }
        let writes: Set<HTTPRequest.Method> = [.post, .put, .patch, .delete]
        if writes.contains(method), hasBody {
            let mediaType = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
            guard mediaType == "application/json" else {
                return AdminError(
                    status: .unsupportedMediaType,
                    code: "UnsupportedMediaType",
                    message: "Send admin request bodies as JSON, with 'Content-Type: application/json'."
                )
            }
        }
        return nil
    }
}
