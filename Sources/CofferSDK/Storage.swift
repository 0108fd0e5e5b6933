/// One change in an atomic batch.
public enum StorageWrite: Sendable {
    case put(String, [UInt8])
    case delete(String)

    /// The key the change touches.
    public var key: String {
        switch self {
        case .put(let key, _), .delete(let key): key
        }
    }
}

/// A key-value store of plaintext values as backends see it; the barrier encrypts below it.
///
/// `list` follows Vault's convention: the immediate children of a prefix, folders with a
/// trailing `/`.
public protocol Storage: Sendable {
    /// The value at `key`, or nil.
    func get(_ key: String) async throws -> [UInt8]?
    /// Stores `value` at `key`.
    func put(_ key: String, _ value: [UInt8]) async throws
    /// Removes `key`; absent keys are fine.
    func delete(_ key: String) async throws
    /// The immediate children below `prefix`, sorted.
    func list(prefix: String) async throws -> [String]
    /// Up to `limit` whole keys below `prefix` that sort after `after` (all when nil), in order:
    /// the way to page through a time-ordered index without listing it whole.
    func scan(prefix: String, after: String?, limit: Int) async throws -> [String]
    /// Applies all writes or none of them.
    func write(_ batch: [StorageWrite]) async throws
    /// How many keys there are below `prefix`.
    func count(prefix: String) async throws -> Int
    /// Runs `body` with synchronous reads over one consistent snapshot; `priority` says whether
    /// a request waits for it.
    func read<T: Sendable>(_ priority: ReadPriority, _ body: @escaping @Sendable (any StorageReader) throws -> T) async throws -> T
}

extension Storage {
    /// Runs `body` with synchronous reads over one consistent snapshot, for a request.
    public func read<T: Sendable>(_ body: @escaping @Sendable (any StorageReader) throws -> T) async throws -> T {
        try await read(.request, body)
    }
}

/// Whether a request waits for a read. Background upkeep (expiring leases) does not, so the
/// store may run it where it cannot take cores from requests.
public enum ReadPriority: Sendable {
    case request
    case background
}

/// A backend's own slice of storage: every key is confined below `prefix`.
public struct StorageView: Storage {
    /// The prefix every key is placed under.
    public let prefix: String
    private let underlying: any Storage

    /// Creates a view of `underlying` below `prefix`.
    public init(_ underlying: any Storage, prefix: String) {
        self.underlying = underlying
        self.prefix = prefix
    }

    private func full(_ key: String) throws -> String {
        // A ".." segment cannot escape here, since keys are only ever prefixed, but reject it so a
        // path never means two things. Most keys have no two dots in a row: for them, one pass
        // over the bytes instead of splitting into substrings (a few thousand instructions on
        // every storage call).
        if Self.hasDoubleDot(key), key.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
            throw CofferError.badRequest("invalid path: '..' segments are not allowed")
        }
        return prefix + key
    }

    private static func hasDoubleDot(_ key: String) -> Bool {
        // Over the contiguous bytes: the UTF-8 view's iterator cost several times more a byte.
        var key = key
        return key.withUTF8 { bytes in
            var previous: UInt8 = 0
            for byte in bytes {
                if byte == UInt8(ascii: "."), previous == byte { return true }
                previous = byte
            }
            return false
        }
    }

    public func get(_ key: String) async throws -> [UInt8]? { try await underlying.get(full(key)) }
    public func put(_ key: String, _ value: [UInt8]) async throws { try await underlying.put(full(key), value) }
    public func delete(_ key: String) async throws { try await underlying.delete(full(key)) }
    public func list(prefix: String) async throws -> [String] { try await underlying.list(prefix: full(prefix)) }
    public func scan(prefix: String, after: String?, limit: Int) async throws -> [String] {
        try await underlying.scan(prefix: full(prefix), after: after.map { self.prefix + $0 }, limit: limit)
            .map { String($0.dropFirst(self.prefix.count)) }
    }
    public func write(_ batch: [StorageWrite]) async throws {
        var mapped = [StorageWrite]()
        mapped.reserveCapacity(batch.count)
        for change in batch {
            switch change {
            case .put(let key, let value): mapped.append(.put(try full(key), value))
            case .delete(let key): mapped.append(.delete(try full(key)))
            }
        }
        try await underlying.write(mapped)
    }

    public func count(prefix: String) async throws -> Int { try await underlying.count(prefix: full(prefix)) }

    public func read<T: Sendable>(_ priority: ReadPriority, _ body: @escaping @Sendable (any StorageReader) throws -> T) async throws -> T {
        let prefix = self.prefix
        return try await underlying.read(priority) { reader in try body(PrefixedReader(underlying: reader, prefix: prefix)) }
    }

    /// The same writes with keys relative to the underlying store, to batch them with writes
    /// from other views in one atomic `write`.
    public func absolute(_ writes: [StorageWrite]) -> [StorageWrite] {
        writes.map { write in
            switch write {
            case .put(let key, let value): .put(prefix + key, value)
            case .delete(let key): .delete(prefix + key)
            }
        }
    }

    /// A narrower view below `sub`.
    public func subView(_ sub: String) -> StorageView { StorageView(underlying, prefix: prefix + sub) }

    /// Reads and decodes a JSON value.
    public func getJSON(_ key: String) async throws -> JSONValue? {
        guard let bytes = try await get(key) else { return nil }
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw CofferError(.internalError, "stored entry is corrupt")
        }
    }

    /// Encodes and stores a JSON value.
    public func putJSON(_ key: String, _ value: JSONValue) async throws {
        try await put(key, JSONWriter.encode(value))
    }

    /// Every key below `prefix`, recursively, as paths relative to `prefix`.
    public func listRecursive(prefix: String = "") async throws -> [String] {
        var out = [String]()
        for child in try await list(prefix: prefix) {
            if child.hasSuffix("/") {
                out += try await listRecursive(prefix: prefix + child).map { child + $0 }
            } else {
                out.append(child)
            }
        }
        return out
    }
}
