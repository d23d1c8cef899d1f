/// Why a certificate chain or private key cannot be served: the flag, the file and the reason, in one line that
/// start-up errors and reload failures both print.
public struct TLSFilesError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Flag: String, Sendable {
        case certificateChain = "--tls-cert"
        case privateKey = "--tls-key"
    }

    public let flag: Flag
    public let path: String
    public let reason: String

    public var description: String { "\(flag.rawValue) \(path): \(reason)" }
}
