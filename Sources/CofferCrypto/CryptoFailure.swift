import COpenSSL

/// A cryptographic operation that could not be carried out (bad key bytes, a library fault).
/// The reason is fixed text, never key material or library state, so it may reach a client.
public struct CryptoFailure: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in words safe to show.
    public let reason: String

    /// Creates a failure; OpenSSL's per-thread error queue is cleared so a later call starts clean.
    public init(_ reason: String) {
        ERR_clear_error()
        self.reason = reason
    }

    /// The reason, which is safe to show.
    public var description: String { reason }
}
