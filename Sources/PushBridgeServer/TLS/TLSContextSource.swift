import Logging
import NIOPosix
import NIOSSL
import Synchronization

/// The TLS credentials new connections are served with. ``reload(logger:)`` reads the files again and swaps them
/// in: connections already open keep the context they started with, and a reload that fails changes nothing.
final class TLSContextSource: Sendable {
    let files: TLSFiles
    private let credentials: Mutex<TLSCredentials>

    /// Reads and checks the files once, at start.
    init(files: TLSFiles) throws(TLSFilesError) {
        self.files = files
        credentials = Mutex(try TLSCredentials(loading: files))
    }

    /// What serves the next connection; read at every accept (one uncontended lock).
    var context: NIOSSLContext { credentials.withLock { $0.context } }

    var current: TLSCredentials { credentials.withLock { $0 } }

    /// Reads both files again, off the event loops (file reads block). On success new connections use them; on
    /// failure the error is logged, naming the file and the reason, and the previous pair stays in service.
    /// - Returns: whether the new pair is in service.
    @discardableResult
    func reload(logger: Logger) async -> Bool {
        let files = self.files
        do {
            let loaded = try await NIOThreadPool.singleton.runIfActive { try TLSCredentials(loading: files) }
            credentials.withLock { $0 = loaded }
            logger.notice("TLS certificate reloaded: new connections use it", metadata: Self.metadata(loaded))
            return true
        } catch {
            let kept = current
            logger.error(
                "TLS certificate reload failed, still serving the previous one: \(error)",
                metadata: Self.metadata(kept)
            )
            return false
        }
    }

    static func metadata(_ credentials: TLSCredentials) -> Logger.Metadata {
        [
            "pb.tls.serial": "\(credentials.serial)",
            "pb.tls.expires": "\(credentials.expires)",
            "pb.tls.cert": "\(credentials.files.certificateChain)",
        ]
    }
}
