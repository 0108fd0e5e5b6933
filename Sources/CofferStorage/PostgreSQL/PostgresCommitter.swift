import CofferSDK
import Logging
import NIOCore
import PostgresNIO

/// Group commit for PostgreSQL: batches that arrive while a commit is under way are combined and
/// written by one statement (one round trip, one WAL flush). Each batch stays atomic: when a
/// combined statement fails, the batches are retried one by one so that only a faulty one fails.
actor PostgresCommitter {
    private let client: @Sendable () -> PostgresClient
    /// Runs a statement under the storage's time limit: a statement sent to a pool that lost its
    /// database would otherwise hold the committer, and every write queued behind it, for ever.
    private let guarded: @Sendable (@escaping @Sendable () async throws -> Void) async throws -> Void
    private let table: String
    private let logger: Logger
    private var pending: [(batch: [StorageWrite], done: CheckedContinuation<Void, any Error>)] = []
    private var draining = false
    /// Told of every change in commit order, so that it never sees two writes of one key out
    /// of the order the database applied them; and of keys whose fate is unknown after a failure.
    private let cache: PostgresReadCache?
    private let directory: KeyDirectory?

    init(
        client: @escaping @Sendable () -> PostgresClient,
        guarded: @escaping @Sendable (@escaping @Sendable () async throws -> Void) async throws -> Void = { try await $0() },
        table: String, logger: Logger, cache: PostgresReadCache? = nil, directory: KeyDirectory? = nil
    ) {
        self.client = client
        self.guarded = guarded
        self.table = table
        self.logger = logger
        self.cache = cache
        self.directory = directory
    }

    private func landed(_ batch: [StorageWrite]) {
        cache?.wrote(batch)
        directory?.wrote(batch)
    }

    private func unknown(_ batch: [StorageWrite]) {
        let keys = batch.map(\.key)
        cache?.forget(keys)
        directory?.unsure(keys)
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
            let combined = group.flatMap(\.batch)
            do {
                try await apply(combined)
                landed(combined)
                for item in group { item.done.resume() }
            } catch {
                // It may have committed before the failure was seen.
                unknown(combined)
                if group.count == 1 {
                    group[0].done.resume(throwing: error)
                    continue
                }
                for item in group {
                    do {
                        try await apply(item.batch)
                        landed(item.batch)
                        item.done.resume()
                    } catch {
                        unknown(item.batch)
                        item.done.resume(throwing: error)
                    }
                }
            }
        }
        draining = false
    }

    /// Writes the net effect of `writes` (the last change to each key wins) in one statement:
    /// a statement is atomic by itself, so the batch lands whole or not at all.
    private func apply(_ writes: [StorageWrite]) async throws {
        let statement = try Self.statement(table: table, writes)
        let (client, logger) = (self.client, self.logger)
        // Consumed to its end so that the pooled connection goes back at once.
        try await guarded { _ = try await client().query(statement, logger: logger).collect() }
    }

    static func statement(table: String, _ writes: [StorageWrite]) throws -> PostgresQuery {
        var last = [String: Int]()
        for (index, write) in writes.enumerated() { last[write.key] = index }
        var putParents = [String](), putPaths = [String](), putKeys = [String](), putValues = [ByteBuffer]()
        var deletePaths = [String](), deleteKeys = [String]()
        for (index, write) in writes.enumerated() where last[write.key] == index {
            let split = PostgresKey(write.key)
            switch write {
            case .put(_, let value):
                putParents.append(split.parentPath)
                putPaths.append(split.path)
                putKeys.append(split.key)
                putValues.append(ByteBuffer(bytes: value))
            case .delete:
                deletePaths.append(split.path)
                deleteKeys.append(split.key)
            }
        }
        var binds = PostgresBindings(capacity: 6)
        var sql: String
        if deletePaths.isEmpty {
            binds.append(putParents)
            binds.append(putPaths)
            binds.append(putKeys)
            binds.append(putValues)
            sql = """
                INSERT INTO \(table) (parent_path, path, key, value) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[]) \
                ON CONFLICT (path, key) DO UPDATE SET value = excluded.value
                """
        } else if putPaths.isEmpty {
            binds.append(deletePaths)
            binds.append(deleteKeys)
            sql = "DELETE FROM \(table) WHERE (path, key) IN (SELECT * FROM unnest($1::text[], $2::text[]))"
        } else {
            binds.append(deletePaths)
            binds.append(deleteKeys)
            binds.append(putParents)
            binds.append(putPaths)
            binds.append(putKeys)
            binds.append(putValues)
            // The deleted and the written keys are disjoint (one change per key survives), so
            // the two parts of the statement never touch the same row.
            sql = """
                WITH removed AS (DELETE FROM \(table) WHERE (path, key) IN (SELECT * FROM unnest($1::text[], $2::text[]))) \
                INSERT INTO \(table) (parent_path, path, key, value) SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::bytea[]) \
                ON CONFLICT (path, key) DO UPDATE SET value = excluded.value
                """
        }
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }
}
