/// Where the JWKS document comes from (`--jwks FILE_OR_URL`): a file read once at start, or a URL fetched at start,
/// every refresh interval, and when a token names a key id the last document did not have.
public enum JWKSLocation: Sendable, Equatable, CustomStringConvertible {
    case file(String)
    case url(String)

    public init(_ text: String) {
        let lowered = text.lowercased()
        self = lowered.hasPrefix("https://") || lowered.hasPrefix("http://") ? .url(text) : .file(text)
    }

    public var description: String {
        switch self {
        case .file(let path): path
        case .url(let url): url
        }
    }
}
