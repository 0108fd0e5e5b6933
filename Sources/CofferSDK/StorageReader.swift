/// Synchronous reads inside one storage read transaction (`Storage.read`): a consistent
/// snapshot for work that needs thousands of reads, paid for with one thread hop instead of
/// one per read.
public protocol StorageReader {
    /// The value at `key`, or nil.
    func get(_ key: String) throws -> [UInt8]?
    /// Up to `limit` whole keys below `prefix` that sort after `after` (all when nil), in order.
    func scan(prefix: String, after: String?, limit: Int) throws -> [String]
}

extension StorageReader {
    /// Every key below `prefix`.
    public func keys(below prefix: String) throws -> [String] {
        try scan(prefix: prefix, after: nil, limit: Int.max)
    }

    /// The same reads confined below `prefix`.
    public func below(_ prefix: String) -> any StorageReader {
        PrefixedReader(underlying: self, prefix: prefix)
    }

    /// Reads and decodes a JSON value.
    public func getJSON(_ key: String) throws -> JSONValue? {
        guard let bytes = try get(key) else { return nil }
        do {
            return try JSONParser.parse(bytes)
        } catch {
            throw CofferError(.internalError, "stored entry is corrupt")
        }
    }
}

/// A reader confined below a prefix, as `StorageView` is for `Storage`.
struct PrefixedReader: StorageReader {
    let underlying: any StorageReader
    let prefix: String

    func get(_ key: String) throws -> [UInt8]? { try underlying.get(prefix + key) }
    func scan(prefix sub: String, after: String?, limit: Int) throws -> [String] {
        try underlying.scan(prefix: prefix + sub, after: after.map { prefix + $0 }, limit: limit).map { String($0.dropFirst(prefix.count)) }
    }
}
