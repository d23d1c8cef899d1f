import Foundation
import PushBridgeCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An exclusive `flock` on `<dir>/pushbridge.lock`, which holds the owner's pid: two servers writing one journal
/// would each replay the other's deliveries. The kernel drops the lock when the process dies, so a file left by
/// a crash never blocks a restart.
final class DataDirectoryLock: Sendable {
    static let fileName = "pushbridge.lock"

    let path: String
    private let descriptor: Mutex<CInt?>

    /// Creates `directory` (mode 0700: events are private) when missing, then takes the lock.
    init(directory: String) throws(EventStoreError) {
        try Self.createDirectories(directory)
        let path = directory + "/" + Self.fileName
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw EventStoreError(.inaccessible, path: path, reason: "cannot open the lock file: \(Self.lastErrorText())")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = Self.readPid(descriptor)
            close(descriptor)
            guard code == EWOULDBLOCK else {
                throw EventStoreError(.inaccessible, path: path, reason: "cannot lock: \(String(cString: strerror(code)))")
            }
            // An empty file means the holder has locked but not written its pid yet.
            throw EventStoreError(
                .locked,
                path: directory,
                reason: "another PushBridge server (pid \(holder ?? "unknown")) is using this data directory; "
                    + "stop it or start with another --data-dir"
            )
        }
        // Informational only (the lock is the flock): a failed write leaves a stale or empty pid, not a bug.
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        self.path = path
        self.descriptor = Mutex(descriptor)
    }

    /// Releases the lock (closing the file drops the flock); later calls do nothing.
    func release() {
        guard let descriptor = descriptor.withLock({ value in value.take() }) else { return }
        close(descriptor)
    }

    deinit { release() }

    private static func readPid(_ descriptor: CInt) -> String? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return text
    }

    private static func lastErrorText() -> String { String(cString: strerror(errno)) }

    /// `mkdir -p` with mode 0700 for what it creates, naming the first path that cannot be made and the system's
    /// reason (FileManager's error text is not one an operator should have to read).
    private static func createDirectories(_ directory: String) throws(EventStoreError) {
        var path = directory.hasPrefix("/") ? "" : "."
        for component in directory.split(separator: "/", omittingEmptySubsequences: true) {
            path += "/" + component
            var status = stat()
            if stat(path, &status) == 0 {
                guard (status.st_mode & S_IFMT) == S_IFDIR else {
                    throw EventStoreError(.inaccessible, path: path, reason: "cannot create the data directory: a file is in the way")
                }
                continue
            }
            guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
                throw EventStoreError(.inaccessible, path: path, reason: "cannot create the data directory: \(lastErrorText())")
            }
        }
    }
}
