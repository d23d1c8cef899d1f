/// A file served by the binary itself, embedded at build time: the API descriptions and the console.
///
/// The files in the repository are the source of truth; `Scripts/embed-web-assets` writes them into
/// `Generated/` as Swift constants, and `WebAssetTests` fails when a constant differs from its file.
public struct WebAsset: Sendable {
    /// The path it is served at.
    public let path: String
    /// The repository file it was made from.
    public let source: String
    public let contentType: String
    public let text: String

    /// Every embedded asset.
    public static let all: [WebAsset] = [
        asyncAPIYAML, asyncAPIJSON, openAPIYAML, openAPIJSON, consoleHTML, consoleCSS, consoleJS, consoleIcon,
    ]

    /// The asset served at `path`, if any.
    public static func served(at path: String) -> WebAsset? {
        all.first { $0.path == path }
    }

    /// Whether the text is the source file itself (YAML, HTML, CSS, JavaScript), not a form converted from it.
    public var isVerbatim: Bool { !(source.hasSuffix(".yaml") && path.hasSuffix(".json")) }
}
