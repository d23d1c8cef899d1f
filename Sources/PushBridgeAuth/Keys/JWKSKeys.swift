import CurlTransport
import Foundation
import Logging
import Synchronization

/// The JWKS key set in force, and how it is read again.
///
/// A file is read and checked at start, and read again when a token names a `kid` it lacked (so keys added to the
/// file are picked up). A URL is fetched over the server's libcurl client by ``JWKSRefresher`` as the server starts
/// and every refresh interval, and on demand for an unknown `kid`. On-demand reads are throttled by
/// ``RefreshThrottle``, and concurrent connects share one.
public final class JWKSKeys: Sendable {
    public let location: JWKSLocation
    private let read: @Sendable () async throws -> [UInt8]
    private let logger: Logger
    private let state: Mutex<State>
    /// Loads what start-up read (jwt-kit's key collection is an actor, so this runs as a task); a later read
    /// replaces it.
    private let initialLoad: Task<JWKSKeySet?, Never>?

    private struct State {
        var current: JWKSKeySet?
        var throttle: RefreshThrottle
        var inFlight: Task<JWKSKeySet?, Never>?
    }

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    /// How long an unknown `kid` waits before it may read the JWKS again.
    public static let defaultOnDemandInterval: Duration = .seconds(10)

    private init(
        location: JWKSLocation,
        initial: JWKSKeySet.Parsed?,
        onDemandInterval: Duration,
        logger: Logger,
        read: @escaping @Sendable () async throws -> [UInt8]
    ) {
        self.location = location
        self.read = read
        self.logger = logger
        self.state = Mutex(State(current: nil, throttle: RefreshThrottle(minimumInterval: onDemandInterval)))
        self.initialLoad = initial.map { parsed in Task { try? await JWKSKeySet(parsed) } }
    }

    /// Reads and checks a JWKS file now; an unreadable or unusable file is an error that names it.
    public static func load(file path: String, onDemandInterval: Duration = defaultOnDemandInterval, logger: Logger) throws(LoadError) -> JWKSKeys {
        let parsed: JWKSKeySet.Parsed
        do {
            parsed = try JWKSKeySet.parse(try readFile(path))
        } catch let error as LoadError {
            throw error
        } catch {
            throw LoadError(description: "--jwks \(path): not a usable JWKS document: \(error)")
        }
        for reason in parsed.skipped { logger.warning("JWKS key skipped", metadata: ["pb.jwks": "\(path)", "pb.reason": "\(reason)"]) }
        return JWKSKeys(location: .file(path), initial: parsed, onDemandInterval: onDemandInterval, logger: logger) { try readFile(path) }
    }

    private static func readFile(_ path: String) throws -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw LoadError(description: "--jwks \(path): cannot read the file: \((error as NSError).localizedDescription)")
        }
    }

    /// A JWKS at a URL, fetched with `client` (first by ``JWKSRefresher`` as the server starts).
    public static func remote(
        url: String,
        client: CurlHTTPClient,
        timeout: Duration,
        onDemandInterval: Duration = defaultOnDemandInterval,
        logger: Logger
    ) -> JWKSKeys {
        JWKSKeys(location: .url(url), initial: nil, onDemandInterval: onDemandInterval, logger: logger) {
            var request = HTTPRequest(url: url, headers: [("Accept", "application/json")], connectTimeout: timeout, totalTimeout: timeout)
            request.maximumResponseBytes = JWKSKeySet.maximumBytes
            let response = try await client.execute(request)
            guard response.status == 200 else { throw LoadError(description: "HTTP \(response.status)") }
            guard !response.bodyTruncated else { throw LoadError(description: "larger than \(JWKSKeySet.maximumBytes) bytes") }
            return response.body
        }
    }

    /// The key set in force (nil until a URL was fetched once).
    public func current() async -> JWKSKeySet? {
        if let current = state.withLock({ $0.current }) { return current }
        return await initialLoad?.value
    }

    /// Whether this set is fetched periodically (a URL).
    public var isRemote: Bool {
        if case .url = location { return true }
        return false
    }

    /// Reads and installs the document now; on failure the previous set stays. Returns whether it succeeded.
    @discardableResult
    public func refresh() async -> Bool {
        do {
            let keySet = try await JWKSKeySet(document: try await read())
            state.withLock { $0.current = keySet }
            logger.debug("JWKS loaded", metadata: ["pb.jwks": "\(location)", "pb.kids": "\(keySet.keys.keys.sorted())"])
            for reason in keySet.skipped {
                logger.warning("JWKS key skipped", metadata: ["pb.jwks": "\(location)", "pb.reason": "\(reason)"])
            }
            return true
        } catch {
            logger.error("JWKS could not be loaded; keeping the keys in force", metadata: ["pb.jwks": "\(location)", "pb.error": "\(error)"])
            return false
        }
    }

    /// A token named a `kid` the current set lacks: read the JWKS again, unless that happened too recently.
    /// Concurrent callers wait for the same read. Returns the set in force afterwards.
    public func refreshForUnknownKey(now: ContinuousClock.Instant = .now) async -> JWKSKeySet? {
        let task = state.withLock { locked -> Task<JWKSKeySet?, Never>? in
            if let running = locked.inFlight { return running }
            guard locked.throttle.claim(at: now) else { return nil }
            let started = Task { [self] in
                await refresh()
                state.withLock { $0.inFlight = nil }
                return await current()
            }
            locked.inFlight = started
            return started
        }
        guard let task else { return await current() }
        return await task.value
    }
}
