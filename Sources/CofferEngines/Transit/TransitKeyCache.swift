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

    /// Keys read by an existence check, by request id and name, until that request's handler
    /// takes them. A request the ACL refuses never takes its key: the bound keeps such
    /// leftovers few, and an evicted entry only means the handler reads storage itself.
    private let checked = Mutex<[CheckedKey: TransitKey]>([:])

    private struct CheckedKey: Hashable, Sendable {
        let request: String
        let name: String
    }

    /// Entries `checked` keeps at most: far more than requests in flight.
    static let checkedCapacity = 256

    /// Holds the key an existence check read, for the same request's handler.
    func holdChecked(_ key: TransitKey, request: String, name: String) {
        guard !request.isEmpty else { return }
        checked.withLock { table in
            if table.count >= Self.checkedCapacity { table.removeAll(keepingCapacity: true) }
            table[CheckedKey(request: request, name: name)] = key
        }
    }

    /// The key the existence check of this request read, once.
    func takeChecked(request: String, name: String) -> TransitKey? {
        guard !request.isEmpty else { return nil }
        return checked.withLock { $0.removeValue(forKey: CheckedKey(request: request, name: name)) }
    }

    /// Forgets a deleted key.
    func remove(_ name: String) {
        _ = entries.withLock { $0.removeValue(forKey: name) }
        checked.withLock { table in table = table.filter { $0.key.name != name } }
    }

    static func parse(_ bytes: [UInt8]) throws -> TransitKey {
        guard let object = (try? JSONParser.parse(bytes))?.objectValue else { throw CofferError(.internalError, "stored key is corrupt") }
        return try TransitKey(stored: object)
    }
}
