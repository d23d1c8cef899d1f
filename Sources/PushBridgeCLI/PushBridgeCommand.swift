import ArgumentParser

@main
struct PushBridgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pushbridge",
        abstract: "A self-hosted WebSocket push server that speaks the AWS wire (EventBridge, API Gateway, SQS-style retries).",
        subcommands: [ServeCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
