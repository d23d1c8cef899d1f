import Foundation
import PushBridgeCore
import Testing

@testable import PushBridgeSQLite

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("SQLiteEventStore data directory")
struct DataDirectoryTests {
    @Test("The directory is created private; the lock file names this process")
    func createsDirectory() async throws {
        try await withTemporaryDirectory { directory in
            let store = try openStore(directory + "/nested/data")
            defer { store.close() }
            let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/nested/data")
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
            let pid = try String(contentsOfFile: directory + "/nested/data/pushbridge.lock", encoding: .utf8)
            #expect(pid == "\(getpid())\n")
            #expect(store.isDurable)
            #expect(store.fileBytes > 0)
        }
    }

    @Test("A second store on the directory is refused with the holder's pid, until the first closes")
    func locked() async throws {
        try await withTemporaryDirectory { directory in
            let first = try openStore(directory)
            do {
                _ = try openStore(directory)
                Issue.record("a second store opened the same directory")
            } catch let error as EventStoreError {
                #expect(error.kind == .locked)
                #expect(error.path == directory)
                #expect(error.reason.contains("pid \(getpid())"))
                #expect(error.reason.contains("--data-dir"))
            }
            first.close()
            let second = try openStore(directory)
            second.close()
        }
    }

    @Test("Garbage in the database file is reported as unreadable, with the path, and frees the directory")
    func garbage() async throws {
        try await withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let path = directory + "/pushbridge.sqlite"
            var generator = SystemRandomNumberGenerator()
            let bytes = (0..<8192).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            for _ in 0..<2 {  // the second time proves the failed open released the lock
                do {
                    _ = try openStore(directory)
                    Issue.record("garbage opened as a database")
                } catch let error as EventStoreError {
                    #expect(error.kind == .unreadable)
                    #expect(error.path == path)
                    #expect(!error.reason.isEmpty)
                }
            }
        }
    }

    @Test("A database whose pages are overwritten is unreadable, at open or at recovery, never a trap")
    func corruptPages() async throws {
        try await withTemporaryDirectory { directory in
            let store = try openStore(directory)
            try await store.commit((0..<50).map { .accept(event("e\($0)", bytes: 2_000), messages: [message(target())]) })
            store.close()
            let path = directory + "/pushbridge.sqlite"
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(bytes.count > 8_192)
            for index in 4_096..<bytes.count { bytes[index] = 0xA5 }  // everything after page 1 (the schema)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                _ = try recoverAfterRestart(directory)
                Issue.record("a corrupt database was read")
            } catch let error as EventStoreError {
                #expect(error.kind == .unreadable)
                #expect(error.path == path)
            }
        }
    }

    @Test("A directory where the database file should be makes the place inaccessible, not the file unreadable")
    func directoryInsteadOfFile() async throws {
        try await withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory + "/pushbridge.sqlite", withIntermediateDirectories: true)
            #expect(throws: EventStoreError.self) { try openStore(directory) }
            do {
                _ = try openStore(directory)
            } catch let error as EventStoreError {
                #expect(error.kind == .inaccessible)
                #expect(error.path == directory + "/pushbridge.sqlite")
            }
        }
    }

    @Test("A data directory that cannot be created names the first path that cannot be made, and why")
    func uncreatableDirectory() async throws {
        try await withTemporaryDirectory { directory in
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data("not a directory".utf8).write(to: URL(fileURLWithPath: directory + "/file"))
            do {
                _ = try openStore(directory + "/file/data")
                Issue.record("opened a data directory under a file")
            } catch let error as EventStoreError {
                #expect(error.kind == .inaccessible)
                #expect(error.path == directory + "/file")
                #expect(error.reason.contains("a file is in the way"), "\(error)")
            }
        }
    }

    @Test("Synchronous FULL opens and commits")
    func synchronousFull() async throws {
        try await withTemporaryDirectory { directory in
            let store = try SQLiteEventStore(directory: directory, synchronous: .full, logger: quietLogger)
            try await store.commit([.accept(event("e1"), messages: [message(target())])])
            store.close()
            #expect(try recoverAfterRestart(directory).messages.count == 1)
        }
    }
}
