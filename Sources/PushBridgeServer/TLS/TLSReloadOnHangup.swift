import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the TLS certificate and key on SIGHUP (`kill -HUP`), the usual way to tell a server its files were
/// renewed, without dropping a connection.
struct TLSReloadOnHangup: Service {
    let source: TLSContextSource
    let logger: Logger

    func run() async {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        logger.info("TLS on: https:// and wss:// only; SIGHUP reloads the certificate and key", metadata: TLSContextSource.metadata(source.current))
        for await _ in hangups.cancelOnGracefulShutdown() {
            await source.reload(logger: logger)
        }
    }
}
