import HTTPTypes
import Hummingbird
import NIOCore
import PushBridgeWebAssets

/// The files the binary serves itself: `/asyncapi.json` and `/openapi.json` (with their YAML sources) and the
/// console's page, style, script and icon under `/console/`. None needs the admin token: they hold no data; the
/// console asks for the token and sends it with each admin request.
struct WebAssetRoutes {
    /// What the console's page may load: only its own files; sockets and requests to this server only.
    static let consolePolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; "
        + "form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

    /// The router matches `/console` and `/console/` alike, so the page names its files by absolute paths.
    func register(on router: Router<PushBridgeRequestContext>) {
        for asset in WebAsset.all {
            let response = Self.response(for: asset)
            router.get(RouterPath(asset.path)) { _, _ in response }
        }
    }

    static func response(for asset: WebAsset) -> Response {
        var headers: HTTPFields = [
            .contentType: asset.contentType,
            .cacheControl: "no-cache",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        ]
        if asset.path.hasPrefix("/console/") {
            headers[HTTPField.Name("Content-Security-Policy")!] = consolePolicy
            headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
            headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        } else {
            // The descriptions are public, so tools on other origins (an AsyncAPI or OpenAPI viewer) may read them.
            headers[HTTPField.Name("Access-Control-Allow-Origin")!] = "*"
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: asset.text)))
    }
}
