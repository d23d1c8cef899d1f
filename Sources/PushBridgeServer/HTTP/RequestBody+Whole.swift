import Hummingbird
import NIOCore

/// Why a request body could not be read whole: answered as the client's fault (413 or 400), never as a server error.
enum BodyReadFailure: Error, Equatable {
    /// Longer than the limit the reader gave.
    case tooLarge
    /// Ended before its length said it would (the client stopped sending, or its framing was broken).
    case incomplete
}

extension RequestBody {
    /// The whole body, or why it could not be had.
    func collectWhole(upTo limit: Int) async -> Result<ByteBuffer, BodyReadFailure> {
        do {
            return .success(try await collect(upTo: limit))
        } catch is NIOTooManyBytesError {
            return .failure(.tooLarge)
        } catch {
            return .failure(.incomplete)
        }
    }
}
