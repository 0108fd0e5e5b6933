import CofferSDK
import Foundation
import GRDB

/// Physical storage in one SQLite file (WAL mode, `synchronous=FULL`) through GRDB on the system
/// libsqlite3: a commit is on disk before the request that made it is answered.
public final class SQLiteStorage: PhysicalStorage {
    private let pool: DatabasePool
    private let committer: GroupCommitter

    /// Opens (creating if needed) the database at `path`.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try pool.write { db in
                try db.execute(
                    sql: "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID"
                )
            }
        } catch {
            throw CofferError(.internalError, "cannot open SQLite storage at \(path): \(Self.describe(error))")
        }
        committer = GroupCommitter(pool: pool)
    }

    public var typeName: String { "sqlite" }

    public func get(_ key: String) async throws -> [UInt8]? {
        try await pool.read { db in
            try Data.fetchOne(db, sql: "SELECT value FROM entries WHERE key = ?", arguments: [key]).map { Array($0) }
        }
    }

    public func put(_ key: String, _ value: [UInt8]) async throws {
        try await write([.put(key, value)])
    }

    public func delete(_ key: String) async throws {
        try await write([.delete(key)])
    }

    public func list(prefix: String) async throws -> [String] {
        // A range scan on the primary key: every valid UTF-8 key below `prefix` sorts before
        // prefix + U+10FFFF under SQLite's byte-wise comparison.
        let keys = try await pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT key FROM entries WHERE key >= ? AND key < ? ORDER BY key",
                arguments: [prefix, prefix + "\u{10FFFF}"]
            )
        }
        return Listing.children(of: keys, prefix: prefix)
    }

    public func scan(prefix: String, after: String?, limit: Int) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT key FROM entries WHERE key > ? AND key >= ? AND key < ? ORDER BY key LIMIT ?",
                arguments: [after ?? "", prefix, prefix + "\u{10FFFF}", limit]
            )
        }
    }

    public func write(_ batch: [StorageWrite]) async throws {
        guard !batch.isEmpty else { return }
        try await committer.submit(batch)
    }

    public func close() async throws {
        try pool.close()
    }

    private static func describe(_ error: any Error) -> String {
        if let db = error as? DatabaseError { return db.message ?? "SQLite error \(db.resultCode)" }
        return "\(error)"
    }
}

/// Group commit: batches that arrive while a commit is under way wait and then go to disk
/// together in one transaction, so many concurrent writers share one fsync. Each batch stays
/// atomic: if a combined commit fails, the batches are retried one by one so that only the
/// faulty one fails.
actor GroupCommitter {
    private let pool: DatabasePool
    private var pending: [(batch: [StorageWrite], done: CheckedContinuation<Void, any Error>)] = []
    private var draining = false

    init(pool: DatabasePool) {
        self.pool = pool
    }

    func submit(_ batch: [StorageWrite]) async throws {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, any Error>) in
            pending.append((batch, done))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            let group = pending
            pending = []
            do {
                try await pool.write { db in
                    for item in group { try Self.apply(item.batch, db) }
                }
                for item in group { item.done.resume() }
            } catch {
                for item in group {
                    do {
                        try await pool.write { db in try Self.apply(item.batch, db) }
                        item.done.resume()
                    } catch {
                        item.done.resume(throwing: error)
                    }
                }
            }
        }
        draining = false
    }

    private static func apply(_ batch: [StorageWrite], _ db: Database) throws {
        for change in batch {
            switch change {
            case .put(let key, let value):
                try db.execute(
                    sql: "INSERT INTO entries (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    arguments: [key, Data(value)]
                )
            case .delete(let key):
                try db.execute(sql: "DELETE FROM entries WHERE key = ?", arguments: [key])
            }
        }
    }
}
