import CofferCrypto
import CofferSDK
import Synchronization

/// `BackendCrypto` for one mount: its salt is a random key kept in the barrier under
/// `core/mount-salt/<mount id>` (outside the mount's own view, where a KV list would show it),
/// created on first use.
struct MountCrypto: BackendCrypto {
    let salt: HMACKey

    func salted(_ value: String) -> String { Hex.encode(salt.mac(value)) }
    func uuid() -> String { SecureRandom.uuid() }
    func constantTimeEquals(_ a: String, _ b: String) -> Bool { Digest.constantTimeEquals(Array(a.utf8), Array(b.utf8)) }

    /// The mount's salt, loaded once per process and cached by mount id.
    static func load(for entry: MountEntry, barrier: any Storage, cache: SaltCache) async throws -> MountCrypto {
        if let cached = cache.get(entry.uuid) { return MountCrypto(salt: cached) }
        let salt = HMACKey(try await StoredSalt.load("core/mount-salt/" + entry.uuid, from: barrier))
        cache.set(entry.uuid, salt)
        return MountCrypto(salt: salt)
    }
}


/// Mount salts by mount id, so a request does not read one from storage every time.
final class SaltCache: Sendable {
    private let salts = Mutex<[String: HMACKey]>([:])
    func get(_ id: String) -> HMACKey? { salts.withLock { $0[id] } }
    func set(_ id: String, _ salt: HMACKey) { salts.withLock { $0[id] = salt } }
}
