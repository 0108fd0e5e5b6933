import CofferSDK
import Synchronization

/// Physical storage in process memory: dev mode and tests. Lost on exit, by design.
public final class InMemoryStorage: PhysicalStorage {
    /// Values by key, kept in key order for scans and listings (see `CompactTable` for why not
    /// a dictionary).
    private struct State: Sendable {
        var table = CompactTable()
        var commits = 0
    }

    private let state = Mutex(State())

    /// Creates an empty store.
    public init() {}

    public var typeName: String { "inmem" }

    public func get(_ key: String) async throws -> [UInt8]? {
        CompactTable.withBytes(key) { bytes in state.withLock { $0.table.get(bytes: bytes) } }
    }

    public func put(_ key: String, _ value: [UInt8]) async throws {
        try await write([.put(key, value)])
    }

    public func delete(_ key: String) async throws {
        try await write([.delete(key)])
    }

    public func list(prefix: String) async throws -> [String] {
        let keys = state.withLock { $0.table.scan(prefix: prefix, after: nil, limit: Int.max) }
        return Listing.children(of: keys, prefix: prefix)
    }

    public func scan(prefix: String, after: String?, limit: Int) async throws -> [String] {
        state.withLock { $0.table.scan(prefix: prefix, after: after, limit: limit) }
    }

    public func count(prefix: String) async throws -> Int {
        state.withLock { $0.table.count(prefix: prefix) }
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
                case .put(let key, let value): state.table.put(key, value)
                case .delete(let key): state.table.remove(key)
                }
            }
        }
    }

    public func close() async throws {}

    /// How many batches were written, for tests that check work is batched.
    public var commits: Int { state.withLock { $0.commits } }

    /// Every key, for tests that check what exists.
    public func allKeys() -> [String] {
        state.withLock { $0.table.all().map(\.0) }
    }

    /// Every stored byte string, for tests that check nothing is stored in the clear.
    public func allValues() -> [[UInt8]] {
        state.withLock { $0.table.all().map(\.1) }
    }

    private struct Snapshot: StorageReader {
        let state: State
        func get(_ key: String) throws -> [UInt8]? { state.table.get(key) }
        func scan(prefix: String, after: String?, limit: Int) throws -> [String] {
            state.table.scan(prefix: prefix, after: after, limit: limit)
        }
    }
}
