import CSodium

/// One-time libsodium initialisation; every entry point of this module goes through it first.
enum Sodium {
    /// A global `let` is initialised exactly once, thread-safely, on first use.
    static let ready: Bool = sodium_init() >= 0

    static func ensureReady() {
        precondition(ready, "libsodium failed to initialise")
    }
}
