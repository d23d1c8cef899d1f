import ArgumentParser
import PushBridgeServer

/// `serve`'s TLS settings: both files or neither. The files themselves are read and checked as the server is
/// built, and a problem stops the start naming the file.
extension ServeCommand {
    func applyTLSSettings(to configuration: inout ServerConfiguration, setting: (String?, String) throws -> String?) throws {
        do {
            configuration.tls = try TLSFiles.paired(
                certificateChain: try setting(tlsCert, "TLS_CERT"),
                privateKey: try setting(tlsKey, "TLS_KEY")
            )
        } catch let error as TLSFiles.Unpaired {
            throw ValidationError("\(error)")
        }
    }
}
