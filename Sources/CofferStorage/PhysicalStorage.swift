import CofferSDK

/// A store of opaque bytes: what sits below the barrier. It never sees plaintext.
public protocol PhysicalStorage: Storage {
    /// A short name for `sys/seal-status`'s `storage_type`.
    var typeName: String { get }
    /// Flushes and releases resources; later calls fail.
    func close() async throws
}

/// Vault's listing rule, shared by every physical store: the immediate children of `prefix`,
/// folders once each with a trailing slash, sorted.
enum Listing {
    static func children(of keys: some Sequence<String>, prefix: String) -> [String] {
        var seen = Set<String>()
        for key in keys where key.hasPrefix(prefix) {
            let rest = key.dropFirst(prefix.count)
            if let slash = rest.firstIndex(of: "/") {
                seen.insert(String(rest[...slash]))
            } else if !rest.isEmpty {
                seen.insert(String(rest))
            }
        }
        return seen.sorted()
    }
}
