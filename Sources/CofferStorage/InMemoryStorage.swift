import CofferSDK
import Synchronization

/// Physical storage in process memory: dev mode and tests. Lost on exit, by design.
public final class InMemoryStorage: PhysicalStorage {
    /// Values by key, and the same keys in order for scans and listings.
    private struct State: Sendable {
        var values: [String: [UInt8]] = [:]
        var order = SortedKeys()
        var commits = 0
    }

    private let state = Mutex(State())

    /// Creates an empty store.
    public init() {}

    public var typeName: String { "inmem" }

    public func get(_ key: String) async throws -> [UInt8]? {
        state.withLock { $0.values[key] }
    }

    public func put(_ key: String, _ value: [UInt8]) async throws {
        try await write([.put(key, value)])
    }

    public func delete(_ key: String) async throws {
        try await write([.delete(key)])
    }

    public func list(prefix: String) async throws -> [String] {
        let keys = state.withLock { $0.order.scan(prefix: prefix, after: nil, limit: Int.max) }
        return Listing.children(of: keys, prefix: prefix)
    }

    public func scan(prefix: String, after: String?, limit: Int) async throws -> [String] {
        state.withLock { $0.order.scan(prefix: prefix, after: after, limit: limit) }
    }

    public func count(prefix: String) async throws -> Int {
        state.withLock { $0.order.count(prefix: prefix) }
    }

    public func read<T: Sendable>(_ priority: ReadPriority, _ body: @escaping @Sendable (any StorageReader) throws -> T) async throws -> T {
        // A copy-on-write snapshot: taking it is cheap, and later writes copy what they change
        // instead of changing what the reader sees.
        try body(Snapshot(state: state.withLock { $0 }))
    }

    public func write(_ batch: [StorageWrite]) async throws {
        state.withLock { state in
            state.commits += 1
            for change in batch {
                switch change {
                case .put(let key, let value):
                    if state.values.updateValue(value, forKey: key) == nil { state.order.insert(key) }
                case .delete(let key):
                    if state.values.removeValue(forKey: key) != nil { state.order.remove(key) }
                }
            }
        }
    }

    public func close() async throws {}

    /// How many batches were written, for tests that check work is batched.
    public var commits: Int { state.withLock { $0.commits } }

    /// Every key, for tests that check what exists.
    public func allKeys() -> [String] {
        state.withLock { Array($0.values.keys) }
    }

    /// Every stored byte string, for tests that check nothing is stored in the clear.
    public func allValues() -> [[UInt8]] {
        state.withLock { Array($0.values.values) }
    }

    private struct Snapshot: StorageReader {
        let state: State
        func get(_ key: String) throws -> [UInt8]? { state.values[key] }
        func scan(prefix: String, after: String?, limit: Int) throws -> [String] {
            state.order.scan(prefix: prefix, after: after, limit: limit)
        }
    }
}
