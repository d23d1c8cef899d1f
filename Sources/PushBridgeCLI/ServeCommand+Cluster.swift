import ArgumentParser
import Foundation
import Logging
import PushBridgeCore
import PushBridgePostgres
import PushBridgeServer

/// `serve --postgres`: cluster mode's settings, and opening the shared store before the server is built.
extension ServeCommand {
    /// The PostgreSQL URL from `--postgres` or `PUSHBRIDGE_POSTGRES_URL`, checked; nil on a single node. Refused
    /// beside `--data-dir` or `--in-memory` (flags or variables): a node keeps its state in one place.
    func clusterStorage(environment: [String: String], setting: (String?, String) throws -> String?) throws -> PostgresURL? {
        guard let text = try setting(postgres, "POSTGRES_URL").flatMap({ $0.isEmpty ? nil : $0 }) else { return nil }
        let url: PostgresURL
        do {
            url = try PostgresURL(parsing: text)
        } catch {
            // The reason never repeats the text: it may hold the password.
            throw ValidationError("--postgres (or PUSHBRIDGE_POSTGRES_URL): \(error)")
        }
        let dataDirectory = try setting(dataDir, "DATA_DIR").flatMap { $0.isEmpty ? nil : $0 }
        if dataDirectory != nil || inMemory || environment["PUSHBRIDGE_IN_MEMORY"] == "1" {
            let other = dataDirectory != nil ? "--data-dir (or PUSHBRIDGE_DATA_DIR)" : "--in-memory (or PUSHBRIDGE_IN_MEMORY=1)"
            throw ValidationError("--postgres (or PUSHBRIDGE_POSTGRES_URL) cannot be combined with \(other): a node keeps its state in one place.")
        }
        return url
    }

    /// Connects to the cluster's database when the storage is PostgreSQL (nil otherwise). A database that cannot be
    /// reached or used stops the start with one line naming it (without its password) and why.
    static func openClusterStore(
        _ storage: ServerConfiguration.Storage,
        settings: ClusterSettings,
        logger: Logger
    ) async throws -> (any EventStore)? {
        guard case .postgres(let url) = storage else { return nil }
        let node = NodeIdentity.random()
        logger.info("Starting as a cluster node", metadata: ["pb.node": "\(node.id)", "pb.postgres": "\(url)"])
        do {
            return try await PostgresEventStore.open(url: url, node: node, settings: settings, logger: logger)
        } catch {
            FileHandle.standardError.write(
                Data("pushbridge: cannot start: \(error). Check that PostgreSQL runs and accepts this user, or start without --postgres.\n".utf8)
            )
            throw ExitCode(1)
        }
    }
}

extension ClusterSettings {
    /// The defaults, with heartbeats and claims five times per lease when `leaseSeconds` is given (2…300, checked).
    init(leaseSeconds: Int?) {
        self.init()
        guard let leaseSeconds else { return }
        leaseDuration = .seconds(leaseSeconds)
        heartbeatInterval = .milliseconds(leaseSeconds * 200)
        claimInterval = .milliseconds(leaseSeconds * 200)
    }
}
