/// Where the server's certificate chain and private key are (`--tls-cert`, `--tls-key`): PEM files, read at start
/// and again on SIGHUP. With them the one port serves `https://` and `wss://` only.
public struct TLSFiles: Sendable, Equatable {
    /// The server's certificate first, then any intermediates (as a CA hands them out).
    public var certificateChain: String
    /// The private key of the chain's first certificate, unencrypted.
    public var privateKey: String

    public init(certificateChain: String, privateKey: String) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
    }

    /// One flag without the other: TLS cannot be served, and serving plain HTTP instead would surprise.
    public struct Unpaired: Error, Sendable, Equatable, CustomStringConvertible {
        public let given: String
        public let missing: String
        public var description: String {
            "\(given) needs \(missing) as well: give both the certificate chain (--tls-cert) and its private key (--tls-key), or neither."
        }
    }

    /// Both paths, or neither (nil: plain HTTP). An empty path counts as not given.
    public static func paired(certificateChain: String?, privateKey: String?) throws(Unpaired) -> TLSFiles? {
        switch (certificateChain.flatMap { $0.isEmpty ? nil : $0 }, privateKey.flatMap { $0.isEmpty ? nil : $0 }) {
        case (nil, nil): nil
        case (let chain?, let key?): TLSFiles(certificateChain: chain, privateKey: key)
        case (_?, nil): throw Unpaired(given: "--tls-cert", missing: "--tls-key")
        case (nil, _?): throw Unpaired(given: "--tls-key", missing: "--tls-cert")
        }
    }
}
