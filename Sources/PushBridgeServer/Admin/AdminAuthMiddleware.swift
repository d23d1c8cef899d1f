import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Guards the admin route group with the bearer token. It is added to the group, not matched on the raw
/// path: the router decides what is an admin route, so the guard cannot disagree with it.
struct AdminAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard let header = request.headers[.authorization] else {
            return AdminResponses.error(
                .init(
                    status: .unauthorized,
                    code: "Unauthorized",
                    message: "Missing bearer token: send 'Authorization: Bearer TOKEN' with the admin token "
                        + "(given by --admin-token, or printed at start and written to the admin token file)."
                )
            )
        }
        let prefix = "bearer "
        guard header.count > prefix.count, header.lowercased().hasPrefix(prefix),
            AdminToken.matches(String(header.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces), token)
        else {
            context.logger.notice("Admin request refused: wrong token", metadata: ["pb.path": "\(path)"])
            return AdminResponses.error(
                .init(status: .unauthorized, code: "Unauthorized", message: "Wrong admin token; check --token or PUSHBRIDGE_ADMIN_TOKEN.")
            )
        }
        return try await next(request, context)
    }
}
