import CofferSDK
import Foundation
import GRDB
import Synchronization

/// Physical storage in one SQLite file (WAL mode, `synchronous=FULL`) through GRDB on the system
/// libsqlite3: a commit is on disk before the request that made it is answered.
public final class SQLiteStorage: PhysicalStorage {
    private let pool: DatabasePool
    /// Every read passes it: no more run at once than the pool has reader connections, and
    /// closing waits for them instead of pulling the pool from under them.
    private let gate: ReadGate
    private let committer: GroupCommitQueue
    private let checkpointer: Checkpointer
    /// Which keys may exist: this process is the only writer, so a read of a key the directory
    /// knows to be missing (a KV write to a new path reads its metadata first) skips SQLite.
    let directory: KeyDirectory

    /// Opens (creating if needed) the database at `path`.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.journalMode = .wal
        // Another process (or connection) holding a lock gets a moment before an error.
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            if !db.configuration.readonly {
                // The checkpointer moves pages into the database file off the commit path; an
                // automatic checkpoint would make every few commits wait for it.
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
                try db.execute(sql: "PRAGMA cache_size = -\(SQLiteStorage.writerCacheKiB)")
                // The log is restarted, not truncated, once past its bound; one long transaction
                // may still grow it, and this trims it back when it next starts over.
                try db.execute(sql: "PRAGMA journal_size_limit = \(SQLiteStorage.logSizeLimit)")
            }
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try pool.write { db in
                try db.execute(
                    sql: "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL) WITHOUT ROWID"
                )
            }
            checkpointer = try Checkpointer(path: path)
        } catch {
            throw CofferError(.internalError, "cannot open SQLite storage at \(path): \(Self.describe(error))")
        }
        gate = ReadGate(connections: pool.configuration.maximumReaderCount)
        let pool = pool, gate = gate
        // On the idle-priority lane: a million keys take about a second to read, which requests
        // arriving just after the start must not wait for.
        directory = KeyDirectory(loader: {
            try await BackgroundLane.run {
                try gate.laneRead {
                    try pool.read { db in
                        var hashes = [Int]()
                        try RawStatement(db, sql: "SELECT key FROM entries").run([]) { hashes.append(RawStatement.text($0).hashValue) }
                        return hashes
                    }
                }
            }
        })
        // One transaction, and so one fsync, for every batch of a group; the directory hears of
        // each batch before its writer does, since an answered request may read what it wrote.
        let checkpointer = checkpointer, directory = directory
        committer = GroupCommitQueue(
            commit: { batches in try await pool.write { db in for batch in batches { try SQLiteWrites.apply(batch, db) } } },
            landed: { batch in directory.wrote(batch) },
            between: {
                checkpointer.committed()
                await checkpointer.restartIfLong(pool)
            }
        )
        directory.start()
    }

    /// The writer's page cache: large batches (an expiry wave) touch pages all over the file.
    static let writerCacheKiB = 32 << 10

    /// The size the write-ahead log file is trimmed to when it starts over: 64 MiB.
    static let logSizeLimit = 64 << 20

    public var typeName: String { "sqlite" }

    public func get(_ key: String) async throws -> [UInt8]? {
        if directory.absent(key) { return nil }
        return try await readHere { db in try SQLiteReader(db: db).get(key) }
    }

    /// Runs one statement on the calling thread. A point read takes microseconds, less than the
    /// thread hops of GRDB's asynchronous path (its pool's wait queue, then the connection's
    /// queue, then back), and under load each hop waited for a core. One statement reads one
    /// snapshot by itself, so no transaction is opened around it. The gate admits it only with
    /// a connection free, so GRDB never blocks the thread waiting for one.
    private func readHere<T>(_ statement: (Database) throws -> T) async throws -> T {
        try await gate.read { try pool.unsafeRead(statement) }
    }

    public func put(_ key: String, _ value: [UInt8]) async throws {
        try await write([.put(key, value)])
    }

    public func delete(_ key: String) async throws {
        try await write([.delete(key)])
    }

    public func list(prefix: String) async throws -> [String] {
        let keys = try await gate.read { try await pool.read { db in try SQLiteReader(db: db).scan(prefix: prefix, after: nil, limit: -1) } }
        return Listing.children(of: keys, prefix: prefix)
    }

    public func scan(prefix: String, after: String?, limit: Int) async throws -> [String] {
        try await gate.read { try await pool.read { db in try SQLiteReader(db: db).scan(prefix: prefix, after: after, limit: limit) } }
    }

    public func count(prefix: String) async throws -> Int {
        try await gate.read { try await pool.read { db in
            try Int.fetchOne(
                db.cachedStatement(sql: "SELECT count(*) FROM entries WHERE key >= ? AND key < ?"), arguments: [prefix, prefix + "\u{10FFFF}"]
            ) ?? 0
        } }
    }

    public func read<T: Sendable>(_ priority: ReadPriority, _ body: @escaping @Sendable (any StorageReader) throws -> T) async throws -> T {
        switch priority {
        case .request:
            return try await gate.read { try await pool.read { db in try body(SQLiteReader(db: db)) } }
        case .background:
            // GRDB's blocking read runs on the calling thread, here the lane's.
            return try await BackgroundLane.run { [pool, gate] in try gate.laneRead { try pool.read { db in try body(SQLiteReader(db: db)) } } }
        }
    }

    public func write(_ batch: [StorageWrite]) async throws {
        guard !batch.isEmpty else { return }
        try await committer.submit(batch)
    }

    public func close() async throws {
        await checkpointer.stop()
        await gate.close()
        try pool.close()
    }

    private static func describe(_ error: any Error) -> String {
        if let db = error as? DatabaseError { return db.message ?? "SQLite error \(db.resultCode)" }
        return "\(error)"
    }
}

/// The statements a group commit runs in its one transaction.
enum SQLiteWrites {
    static func apply(_ batch: [StorageWrite], _ db: Database) throws {
        let put = try RawStatement(db, sql: "INSERT INTO entries (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        let delete = try RawStatement(db, sql: "DELETE FROM entries WHERE key = ?")
        for change in batch {
            switch change {
            case .put(let key, let value): try put.run([key], blob: value)
            case .delete(let key): try delete.run([key])
            }
        }
    }
}

/// Reads on one connection inside one read transaction. Statements are prepared once per
/// connection and cached: preparing (and GRDB's authorizer pass) cost more than the lookup.
struct SQLiteReader: StorageReader {
    let db: Database

    func get(_ key: String) throws -> [UInt8]? {
        var value: [UInt8]?
        try RawStatement(db, sql: "SELECT value FROM entries WHERE key = ?").run([key]) { value = RawStatement.bytes($0) }
        return value
    }

    /// A range scan on the primary key: every valid UTF-8 key below `prefix` sorts before
    /// prefix + U+10FFFF under SQLite's byte-wise comparison. A negative limit means none.
    func scan(prefix: String, after: String?, limit: Int) throws -> [String] {
        // One lower bound only: given two, SQLite seeks on the first and filters rows against
        // the second, which walked every key sorted before `prefix` on each call.
        let (sql, from) = if let after, after >= prefix {
            ("SELECT key FROM entries WHERE key > ? AND key < ? ORDER BY key LIMIT ?", after)
        } else {
            ("SELECT key FROM entries WHERE key >= ? AND key < ? ORDER BY key LIMIT ?", prefix)
        }
        var keys = [String]()
        try RawStatement(db, sql: sql).run([from, prefix + "\u{10FFFF}"], limit: limit) { keys.append(RawStatement.text($0)) }
        return keys
    }
}

/// Copies committed pages from the write-ahead log into the database file on a connection of
/// its own. A passive checkpoint takes no writer lock, so commits never wait for one; requests
/// for it are coalesced, and it runs shortly after writes settle or keep coming.
///
/// Under steady writes a passive checkpoint never reaches the end of the log, and the log only
/// starts over once one does. So once the log is past its bound, the group committer restarts it
/// between two commits on the writer's own connection (`restart`), after the passive pass has
/// copied most of it; a gate keeps the two from contending for the checkpoint lock. Restarting
/// keeps the file, so the next commits overwrite blocks the file system already holds: after a
/// truncation, every new page of log cost the kernel a block allocation and a zeroed page
/// (`memset` was 6 % of an expiry wave's CPU).
final class Checkpointer: Sendable {
    private let connection: DatabaseQueue
    private let requests: AsyncStream<Void>.Continuation
    private let loop: Task<Void, Never>
    private let gate = KeyedLock()
    private let logged = LoggedFrames()

    /// The log's length in pages as the last passive checkpoint saw it.
    private final class LoggedFrames: Sendable {
        let value = Atomic(0)
    }

    init(path: String) throws {
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(10)
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        let (stream, requests) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.connection = connection
        self.requests = requests
        loop = Task { [gate, logged] in
            for await _ in stream {
                // Gathers the commits of the next moment into one checkpoint.
                try? await Task.sleep(for: .milliseconds(50))
                let frames = try? await gate.withLock("checkpoint") {
                    try await connection.writeWithoutTransaction { db in try db.checkpoint(.passive).walFrameCount }
                }
                if let frames { logged.value.store(frames, ordering: .relaxed) }
            }
        }
    }

    /// The log length (in pages) past which the log starts over: 32 MiB.
    static let restartFrames = 8192

    /// Notes that a commit added pages to the log.
    func committed() {
        requests.yield()
    }

    /// Called by the committer between commits: starts the log over when it has grown past its bound.
    func restartIfLong(_ writer: DatabasePool) async {
        guard logged.value.load(ordering: .relaxed) > Self.restartFrames else { return }
        _ = try? await gate.withLock("checkpoint") {
            try await writer.writeWithoutTransaction { db in _ = try db.checkpoint(.restart) }
        }
        logged.value.store(0, ordering: .relaxed)
    }

    /// Ends the loop; closing the last connection checkpoints what is left.
    func stop() async {
        requests.finish()
        await loop.value
        try? connection.close()
    }
}
