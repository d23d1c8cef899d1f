import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOSSL
import Testing

@testable import PushBridgeServer

/// `--tls-cert` and `--tls-key`: pairing the flags, reading and checking the files, reloading them, and where
/// the pipeline's handlers go on a TLS connection.
@Suite struct TLSTests {
    /// A fresh folder for one test's files.
    private final class Folder {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pushbridge-tls-\(UUID().uuidString)").path
        init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(atPath: path) }

        /// Writes `text` to `name` (replacing it) and returns its path.
        @discardableResult
        func write(_ name: String, _ text: String) throws -> String {
            let file = (path as NSString).appendingPathComponent(name)
            try Data(text.utf8).write(to: URL(fileURLWithPath: file))
            return file
        }

        func files(certificate: String, key: String) throws -> TLSFiles {
            TLSFiles(certificateChain: try write("cert.pem", certificate), privateKey: try write("key.pem", key))
        }
    }

    private let logger = Logger(label: "TLSTests") { _ in SwiftLogNoOpLogHandler() }

    private func loadError(_ files: TLSFiles) -> TLSFilesError? {
        do {
            _ = try TLSCredentials(loading: files)
            return nil
        } catch {
            return error
        }
    }

    // MARK: - The flags

    @Test func bothFlagsOrNeither() throws {
        #expect(try TLSFiles.paired(certificateChain: nil, privateKey: nil) == nil)
        #expect(try TLSFiles.paired(certificateChain: "", privateKey: "") == nil)
        #expect(try TLSFiles.paired(certificateChain: "c.pem", privateKey: "k.pem") == TLSFiles(certificateChain: "c.pem", privateKey: "k.pem"))
        #expect(throws: TLSFiles.Unpaired(given: "--tls-cert", missing: "--tls-key")) {
            try TLSFiles.paired(certificateChain: "c.pem", privateKey: nil)
        }
        #expect(throws: TLSFiles.Unpaired(given: "--tls-key", missing: "--tls-cert")) {
            try TLSFiles.paired(certificateChain: "", privateKey: "k.pem")
        }
        #expect(TLSFiles.Unpaired(given: "--tls-cert", missing: "--tls-key").description.hasPrefix("--tls-cert needs --tls-key"))
    }

    // MARK: - Reading the files

    @Test func aChainAndItsKeyAreServedWithTheLeafsSerial() throws {
        let folder = try Folder()
        let credentials = try TLSCredentials(loading: try folder.files(certificate: TLSFixtures.chainA, key: TLSFixtures.keyA))
        #expect(credentials.serial == "01A1")
        #expect(credentials.expires > Date(timeIntervalSince1970: 4_000_000_000))
    }

    @Test func aMissingFileIsNamed() throws {
        let folder = try Folder()
        var files = try folder.files(certificate: TLSFixtures.certificateA, key: TLSFixtures.keyA)
        files.privateKey = folder.path + "/absent.key"
        #expect(loadError(files) == TLSFilesError(flag: .privateKey, path: files.privateKey, reason: "no such file"))
        files.certificateChain = folder.path
        #expect(loadError(files) == TLSFilesError(flag: .certificateChain, path: folder.path, reason: "is a directory, not a PEM file"))
        #expect(loadError(files)?.description == "--tls-cert \(folder.path): is a directory, not a PEM file")
    }

    @Test func aFileWithoutACertificateIsRefused() throws {
        let folder = try Folder()
        let error = loadError(try folder.files(certificate: "not a certificate\n", key: TLSFixtures.keyA))
        #expect(error?.flag == .certificateChain)
        #expect(error?.reason.hasPrefix("holds no PEM certificate") == true)
        let damaged = TLSFixtures.certificateA.replacingOccurrences(of: "MIIB", with: "AAAA")
        #expect(loadError(try folder.files(certificate: damaged, key: TLSFixtures.keyA))?.flag == .certificateChain)
    }

    @Test func swappedFilesAreCalledSwapped() throws {
        let folder = try Folder()
        let error = loadError(try folder.files(certificate: TLSFixtures.keyA, key: TLSFixtures.certificateA))
        #expect(error?.flag == .certificateChain)
        #expect(error?.reason.contains("are --tls-cert and --tls-key swapped?") == true)
    }

    @Test func aFileWithoutAKeyIsRefused() throws {
        let folder = try Folder()
        let error = loadError(
            try folder.files(certificate: TLSFixtures.certificateA, key: "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n")
        )
        #expect(error?.flag == .privateKey)
        #expect(error?.reason.hasPrefix("holds no PEM private key") == true)
    }

    @Test func aKeyOfAnotherCertificateIsRefused() throws {
        let folder = try Folder()
        let files = try folder.files(certificate: TLSFixtures.chainA, key: TLSFixtures.keyB)
        let error = loadError(files)
        #expect(error?.flag == .privateKey)
        #expect(error?.path == files.privateKey)
        #expect(error?.reason.hasPrefix("the key does not match the certificate \(files.certificateChain)") == true)
    }

    // MARK: - Reloading

    @Test func aReloadSwapsTheContextAndAFailedOneKeepsIt() async throws {
        let folder = try Folder()
        let source = try TLSContextSource(files: try folder.files(certificate: TLSFixtures.chainA, key: TLSFixtures.keyA))
        let first = source.context
        #expect(source.current.serial == "01A1")

        try folder.write("cert.pem", TLSFixtures.certificateB)
        try folder.write("key.pem", TLSFixtures.keyB)
        #expect(await source.reload(logger: logger))
        #expect(source.current.serial == "0B2B")
        let second = source.context
        #expect(second !== first)

        for (certificate, key) in [("garbage", TLSFixtures.keyB), (TLSFixtures.certificateA, TLSFixtures.keyB)] {
            try folder.write("cert.pem", certificate)
            try folder.write("key.pem", key)
            #expect(await source.reload(logger: logger) == false)
            #expect(source.current.serial == "0B2B")
            #expect(source.context === second)
        }
        try FileManager.default.removeItem(atPath: source.files.privateKey)
        #expect(await source.reload(logger: logger) == false)
        #expect(source.context === second)
    }

    // MARK: - The pipeline

    @Test func encodedBytesAreWrittenThroughTheTLSHandler() throws {
        let folder = try Folder()
        let source = try TLSContextSource(files: try folder.files(certificate: TLSFixtures.chainA, key: TLSFixtures.keyA))
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(PlainHTTPOnTLSPortHandler())
        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: source.context))
        let writer = EncodedBytesWriter()
        try channel.pipeline.syncOperations.addEncodedBytesWriter(writer)
        writer.writeAndFlush(ByteBuffer(string: "a pushed frame"))
        // Before the handshake the TLS handler holds writes back; placed in front of it, they would be on the wire.
        while let sent = try channel.readOutbound(as: ByteBuffer.self) {
            #expect(!String(buffer: sent).contains("a pushed frame"))
        }
        _ = try? channel.finish()

        let plain = EmbeddedChannel()
        let plainWriter = EncodedBytesWriter()
        try plain.pipeline.syncOperations.addEncodedBytesWriter(plainWriter)
        plainWriter.writeAndFlush(ByteBuffer(string: "a pushed frame"))
        #expect(try plain.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "a pushed frame"), "first without TLS")
        _ = try? plain.finish()
    }

    @Test func plainHTTPOnTheTLSPortGetsA400ThatSaysSo() throws {
        let channel = EmbeddedChannel(handler: PlainHTTPOnTLSPortHandler())
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        try channel.writeInbound(ByteBuffer(string: "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil, "nothing reaches the TLS handler")
        let answer = try #require(try channel.readOutbound(as: ByteBuffer.self))
        let text = String(buffer: answer)
        #expect(text.hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(text.hasSuffix("\r\n\r\n" + PlainHTTPOnTLSPortHandler.body))
        #expect(text.contains("Content-Length: \(PlainHTTPOnTLSPortHandler.body.utf8.count)\r\n"))
        #expect(!channel.isActive, "closed once answered")
    }

    @Test func aTLSHandshakePassesAndTheCheckLeaves() throws {
        let channel = EmbeddedChannel(handler: PlainHTTPOnTLSPortHandler())
        let hello = ByteBuffer(bytes: [0x16, 0x03, 0x01, 0x00, 0x05])
        try channel.writeInbound(hello)
        #expect(try channel.readInbound(as: ByteBuffer.self) == hello)
        #expect(throws: (any Error).self) { try channel.pipeline.syncOperations.context(handlerType: PlainHTTPOnTLSPortHandler.self) }
        try channel.writeInbound(ByteBuffer(string: "GET"))
        #expect(try channel.readInbound(as: ByteBuffer.self) == ByteBuffer(string: "GET"), "later bytes are not inspected")
        _ = try channel.finish()
    }
}
