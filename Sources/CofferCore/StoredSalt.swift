import CofferCrypto
import CofferSDK

/// A random 32-byte key kept in the barrier and created on first use: the token store's salt,
/// each mount's salt, each audit device's salt.
enum StoredSalt {
    static func load(_ key: String, from storage: any Storage) async throws -> SecureBytes {
        if let stored = try await storage.get(key) { return SecureBytes(copying: stored) }
        let salt = SecureBytes(randomCount: 32)
        try await storage.put(key, salt.exportBytes())
        return salt
    }
}
