import Foundation
import NIOCore
import NIOSSL

/// A certificate chain and its private key, read from ``TLSFiles`` and checked, made into the context TLS
/// connections are served with. Clients must speak TLS 1.2 or later.
struct TLSCredentials: Sendable {
    let files: TLSFiles
    let context: NIOSSLContext
    /// The chain's first certificate: the one clients check and operators recognise.
    let leaf: NIOSSLCertificate

    /// The leaf's serial number in hex, as `openssl x509 -serial` prints it.
    var serial: String {
        let digits = Array("0123456789ABCDEF")
        return String(leaf.serialNumber.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0f)]] })
    }

    var expires: Date { Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter)) }

    /// Reads both files (blocking: at start, or off the event loops) and checks that they can be served.
    /// - Throws: ``TLSFilesError`` naming the file and what is wrong with it.
    init(loading files: TLSFiles) throws(TLSFilesError) {
        let chainText = try Self.read(files.certificateChain, .certificateChain)
        let keyText = try Self.read(files.privateKey, .privateKey)
        let chain = try Self.certificates(chainText, path: files.certificateChain)
        let key = try Self.privateKey(keyText, path: files.privateKey)

        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        configuration.minimumTLSVersion = .tlsv12
        // How long a closing connection waits for the client's close_notify. Many clients just close the socket
        // instead, and until this runs out the connection still counts against --max-connections and holds up
        // a graceful shutdown (which gives sockets 2 s to close).
        configuration.shutdownTimeout = .seconds(1)
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch NIOSSLError.failedToLoadPrivateKey {
            // Both parsed, so what BoringSSL refused is the pair: the key is not the leaf certificate's.
            throw TLSFilesError(
                flag: .privateKey,
                path: files.privateKey,
                reason: "the key does not match the certificate \(files.certificateChain) begins with (the server's own must come first)"
            )
        } catch {
            throw TLSFilesError(flag: .certificateChain, path: files.certificateChain, reason: "cannot be served with its key: \(error)")
        }
        self.files = files
        self.leaf = chain[0]
    }

    private static func read(_ path: String, _ flag: TLSFilesError.Flag) throws(TLSFilesError) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TLSFilesError(flag: flag, path: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw TLSFilesError(flag: flag, path: path, reason: "is a directory, not a PEM file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TLSFilesError(flag: flag, path: path, reason: "cannot read the file (may this user read it?)")
        }
        return [UInt8](data)
    }

    private static func certificates(_ bytes: [UInt8], path: String) throws(TLSFilesError) -> [NIOSSLCertificate] {
        let chain = try? NIOSSLCertificate.fromPEMBytes(bytes)
        guard let chain, !chain.isEmpty else {
            let text = String(decoding: bytes, as: UTF8.self)
            let reason =
                text.contains("PRIVATE KEY-----")
                ? "holds a private key, not a certificate (are --tls-cert and --tls-key swapped?)"
                : "holds no PEM certificate (a block from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----)"
            throw TLSFilesError(flag: .certificateChain, path: path, reason: reason)
        }
        return chain
    }

    private static func privateKey(_ bytes: [UInt8], path: String) throws(TLSFilesError) -> NIOSSLPrivateKey {
        do {
            return try NIOSSLPrivateKey(bytes: bytes, format: .pem)
        } catch {
            let text = String(decoding: bytes, as: UTF8.self)
            let reason =
                if text.contains("ENCRYPTED") {
                    "the key is encrypted; give it unencrypted (openssl pkey -in KEY -out KEY.plain), readable only by this user"
                } else if text.contains("-----BEGIN CERTIFICATE-----") {
                    "holds a certificate, not a private key (are --tls-cert and --tls-key swapped?)"
                } else {
                    "holds no PEM private key (a block from -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY-----)"
                }
            throw TLSFilesError(flag: .privateKey, path: path, reason: reason)
        }
    }
}
