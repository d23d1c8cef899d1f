import CCurl

/// Why a request produced no response.
public struct CurlError: Error, Sendable, CustomStringConvertible {
    /// The failure classes callers act on; the exact cause stays in ``curlCode`` and ``message``.
    public enum Kind: Sendable, Hashable {
        /// `CURLE_OPERATION_TIMEDOUT`: the connect or total timeout of the request expired.
        case timeout
        /// The server could not be reached, or the connection broke before a complete response.
        case connectionFailed
        /// The calling task was cancelled, or the client shut down before the transfer completed.
        case cancelled
        /// The host resolved to an address the outbound policy denies (`--outbound-deny`); nothing was sent.
        case deniedByPolicy
        /// Anything else: a malformed URL, a TLS failure, an unsupported scheme, ...
        case other
    }

    public var kind: Kind
    /// The `CURLcode` libcurl reported, or 0 when the failure did not come from libcurl (cancellation, shutdown).
    public var curlCode: Int32
    public var message: String

    public init(kind: Kind, curlCode: Int32 = 0, message: String) {
        self.kind = kind
        self.curlCode = curlCode
        self.message = message
    }

    public var description: String {
        "CurlError(\(kind), code \(curlCode)): \(message)"
    }

    /// The TLS handshake failed: most often a certificate the client does not trust (a private CA, a wrong host
    /// name, an expired certificate), or a server that does not speak TLS.
    public var isTLSFailure: Bool {
        let codes: [CURLcode] = [
            CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS,
        ]
        return codes.contains { Int32(truncatingIfNeeded: $0.rawValue) == curlCode }
    }

    static func cancelled(_ message: String) -> CurlError {
        CurlError(kind: .cancelled, message: message)
    }

    /// Classifies a failed transfer; `detail` is the transfer's `CURLOPT_ERRORBUFFER` text, which names the host or
    /// the timeout, and is preferred over the generic `curl_easy_strerror` text.
    init(code: CURLcode, detail: String) {
        let kind: Kind =
            switch code {
            case CURLE_OPERATION_TIMEDOUT: .timeout
            case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING:
                .connectionFailed
            default: .other
            }
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        self.init(kind: kind, curlCode: Int32(truncatingIfNeeded: code.rawValue), message: message)
    }
}
