import ArgumentParser

/// Exit codes scripts can rely on.
enum ExitStatus: Int32 {
    case ok = 0
    /// Bad usage, a request the server refused (400), or anything else.
    case failure = 1
    /// The server could not be reached (not running, wrong --server, timeout).
    case unreachable = 2
    /// The admin token is missing or wrong (401).
    case unauthorized = 3
    /// The dead letter, retry, connection or target does not exist (404, 410).
    case notFound = 4
    /// Some items of a bulk operation (redrive, put-events) failed.
    case partial = 5
}

/// A failure the CLI reports as one message (plus what to do) and an exit status.
struct CLIFailure: Error, CustomStringConvertible {
    var status: ExitStatus
    var message: String
    var hint: String?

    var description: String { hint.map { "\(message)\n\($0)" } ?? message }
}

/// The exit codes, for `--help`.
let exitCodesHelp = """
    Exit codes: 0 ok, 1 usage or other error, 2 server unreachable, 3 unauthorized (admin token),
    4 not found, 5 partly failed (some entries of a bulk operation).
    """
