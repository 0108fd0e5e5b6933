/// The cryptography a backend may use, provided by the core so that engines and auth methods
/// never call C crypto themselves (the plugin boundary): salted hashing, random ids, and
/// constant-time comparison.
public protocol BackendCrypto: Sendable {
    /// HMAC-SHA256 of `value` under the mount's own salt, hex: for storing credentials by hash.
    func salted(_ value: String) -> String
    /// A random RFC 4122 UUID, as Vault issues for secret IDs and accessors.
    func uuid() -> String
    /// Compares two strings in time that does not depend on where they differ.
    func constantTimeEquals(_ a: String, _ b: String) -> Bool
}
