import CofferSDK

/// `operator migrate`: copies every entry, still sealed, from one physical store to another
/// and then reads both back to prove the copy whole. Values move as ciphertext: the barrier
/// binds each to its key, not to the store, so the copy unseals with the same keys.
public enum StorageMigration {
    /// What a finished migration moved.
    public struct Summary: Sendable, Equatable {
        /// Entries copied.
        public var copied: Int
        /// Entries compared byte for byte afterwards.
        public var verified: Int
    }

    /// Entries per page read and per batch written.
    static let pageSize = 500

    /// Copies `source` into `destination`, which must hold nothing yet (a second run into a
    /// used store could mix two clusters' data). `progress` hears the running count.
    public static func run(
        from source: any PhysicalStorage, to destination: any PhysicalStorage, progress: @Sendable (Int) -> Void = { _ in }
    ) async throws -> Summary {
        guard try await destination.scan(prefix: "", after: nil, limit: 1).isEmpty else {
            throw CofferError.badRequest("the destination storage already holds data; migrate only into an empty store")
        }
        var copied = 0
        var after: String?
        while true {
            let keys = try await source.scan(prefix: "", after: after, limit: pageSize)
            guard let last = keys.last else { break }
            var batch = [StorageWrite]()
            batch.reserveCapacity(keys.count)
            for key in keys {
                // A key deleted between the scan and the read has nothing to copy.
                if let value = try await source.get(key) { batch.append(.put(key, value)) }
            }
            try await destination.write(batch)
            copied += batch.count
            progress(copied)
            after = last
        }
        let verified = try await verify(source, destination)
        guard verified == copied else {
            throw CofferError(.internalError, "verification found \(verified) entries in the destination, \(copied) were copied")
        }
        return Summary(copied: copied, verified: verified)
    }

    /// Walks both stores in key order and compares every entry; returns how many matched.
    static func verify(_ source: any PhysicalStorage, _ destination: any PhysicalStorage) async throws -> Int {
        var matched = 0
        var after: String?
        while true {
            let keys = try await source.scan(prefix: "", after: after, limit: pageSize)
            let copies = try await destination.scan(prefix: "", after: after, limit: pageSize)
            guard keys == copies else {
                let missing = Set(keys).symmetricDifference(copies).sorted().first ?? ""
                throw CofferError(.internalError, "verification failed: the stores differ at key \"\(missing)\"")
            }
            guard let last = keys.last else { return matched }
            for key in keys {
                let original = try await source.get(key)
                guard let original, try await destination.get(key) == original else {
                    throw CofferError(.internalError, "verification failed: the value at \"\(key)\" differs")
                }
                matched += 1
            }
            after = last
        }
    }
}
