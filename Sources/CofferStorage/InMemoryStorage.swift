import CofferSDK
import Synchronization

/// Physical storage in process memory: dev mode and tests. Lost on exit, by design.
public final class InMemoryStorage: PhysicalStorage {
    private let entries = Mutex<[String: [UInt8]]>([:])

    /// Creates an empty store.
    public init() {}

    public var typeName: String { "inmem" }

    public func get(_ key: String) async throws -> [UInt8]? {
        entries.withLock { $0[key] }
    }

    public func put(_ key: String, _ value: [UInt8]) async throws {
        entries.withLock { $0[key] = value }
    }

    public func delete(_ key: String) async throws {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }

    public func list(prefix: String) async throws -> [String] {
        let keys = entries.withLock { Array($0.keys) }
        return Listing.children(of: keys, prefix: prefix)
    }

    public func scan(prefix: String, after: String?, limit: Int) async throws -> [String] {
        let keys = entries.withLock { store in
            store.keys.filter { key in key.hasPrefix(prefix) && (after.map { key > $0 } ?? true) }
        }
        return Array(keys.sorted().prefix(limit))
    }

    public func write(_ batch: [StorageWrite]) async throws {
        entries.withLock { store in
            for change in batch {
                switch change {
                case .put(let key, let value): store[key] = value
                case .delete(let key): store.removeValue(forKey: key)
                }
            }
        }
    }

    public func close() async throws {}

    /// Every key, for tests that check what exists.
    public func allKeys() -> [String] {
        entries.withLock { Array($0.keys) }
    }

    /// Every stored byte string, for tests that check nothing is stored in the clear.
    public func allValues() -> [[UInt8]] {
        entries.withLock { Array($0.values) }
    }
}
