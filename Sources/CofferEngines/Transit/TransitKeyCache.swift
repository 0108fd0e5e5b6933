import CofferCrypto
import CofferSDK
import Synchronization

/// Parsed keys of one mount, so that a request does not decode every version's material again.
///
/// Each use still reads the stored document (so a write elsewhere is never missed) and compares
/// its SHA-256 with the one the entry was parsed from. The cache belongs to the backend
/// instance, which the core drops on seal: the decrypted keys go with it, and `SecureBytes`
/// zeroes them.
final class TransitKeyCache: Sendable {
    /// The cache of the mount whose handler is running.
    @TaskLocal static var current: TransitKeyCache?

    /// Keys kept at most; beyond it an arbitrary entry makes room.
    static let capacity = 1024

    private struct Entry: Sendable {
        let digest: [UInt8]
        let key: TransitKey
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// The key stored as `bytes` under `name`, parsed once per distinct document.
    func key(_ name: String, stored bytes: [UInt8]) throws -> TransitKey {
        let digest = Digest.sha256(bytes)
        if let hit = entries.withLock({ $0[name] }), hit.digest == digest { return hit.key }
        let key = try Self.parse(bytes)
        entries.withLock { table in
            if table.count >= Self.capacity, table[name] == nil, let victim = table.keys.first { table[victim] = nil }
            table[name] = Entry(digest: digest, key: key)
        }
        return key
    }

    /// Forgets a deleted key.
    func remove(_ name: String) {
        _ = entries.withLock { $0.removeValue(forKey: name) }
    }

    static func parse(_ bytes: [UInt8]) throws -> TransitKey {
        guard let object = (try? JSONParser.parse(bytes))?.objectValue else { throw CofferError(.internalError, "stored key is corrupt") }
        return try TransitKey(stored: object)
    }
}
