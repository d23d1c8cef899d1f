import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

@main
struct PushBridgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pushbridge",
        abstract: "A self-hosted WebSocket push server that speaks the AWS wire (EventBridge, API Gateway, SQS-style retries).",
        discussion: """
            `pushbridge serve` runs the server (the default command). The other commands talk to a running server:
            --server or PUSHBRIDGE_URL says where (default http://127.0.0.1:8080), and the admin token comes from
            --token, PUSHBRIDGE_ADMIN_TOKEN, or the file serve wrote (~/.pushbridge/admin-token).

            Examples: find why an event failed, and send it again:
              pushbridge queues                     # which target has dead letters or retries
              pushbridge dlq list --target push     # the failed events, with their error codes
              pushbridge dlq show ID                # every attempt and the event
              pushbridge dlq redrive ID             # or: --target push --since 1h, or --all --rate 50

            \(exitCodesHelp)
            """,
        subcommands: [
            ServeCommand.self, QueuesCommand.self, DLQCommand.self, RetriesCommand.self, ConnectionsCommand.self, SubscriptionsCommand.self,
            PutEventsCommand.self, PostToConnectionCommand.self, NodesCommand.self,
        ],
        defaultSubcommand: ServeCommand.self
    )

    /// As ArgumentParser's, except that usage errors exit with 1 (see ``ExitStatus``).
    static func main() async {
        // Tasks run on NIO's event loops instead of a second pool of threads: request handling then stays on the
        // loop that read the request, sparing a thread hop each way (measured: about a quarter of the server
        // CPU of a one-entry PutEvents). Must happen before any other task is created; parsing creates none.
        do {
            var command = try parseAsRoot()
            let environment = ProcessInfo.processInfo.environment
            if let serve = command as? ServeCommand, let threads = try serve.eventLoopThreads(environment: environment) {
                NIOSingletons.groupLoopCountSuggestion = threads
            }
            _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(ExitStatus.failure.rawValue)
            }
            exit(withError: error)
        }
    }
}
