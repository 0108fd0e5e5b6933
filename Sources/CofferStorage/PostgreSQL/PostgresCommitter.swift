import CofferSDK
import Logging
import NIOCore
import PostgresNIO

/// Group commit for PostgreSQL: the batches of one group are combined and written by one
/// statement (one round trip, one WAL flush), on the shared `GroupCommitQueue`.
struct PostgresCommitter: Sendable {
    private let queue: GroupCommitQueue

    /// `guarded` runs a statement under the storage's time limit: a statement sent to a pool that
    /// lost its database would otherwise hold the queue, and every write behind it, for ever.
    /// `cache` and `directory` are told of every change in commit order, so that they never see
    /// two writes of one key out of the order the database applied them, and of the keys whose
    /// fate is unknown after a failure.
    init(
        client: @escaping @Sendable () -> PostgresClient,
        guarded: @escaping @Sendable (@escaping @Sendable () async throws -> Void) async throws -> Void = { try await $0() },
        table: String, logger: Logger, cache: PostgresReadCache? = nil, directory: KeyDirectory? = nil
    ) {
        queue = GroupCommitQueue(
            commit: { batches in
                let statement = try Self.statement(table: table, batches.flatMap { $0 })
                // Consumed to its end so that the pooled connection goes back at once.
                try await guarded { _ = try await client().query(statement, logger: logger).collect() }
            },
            landed: { batch in
                cache?.wrote(batch)
                directory?.wrote(batch)
            },
            unknown: { batch in
                let keys = batch.map(\.key)
                cache?.forget(keys)
                directory?.unsure(keys)
            }
        )
    }

    /// Returns once `batch` is in the table.
    func submit(_ batch: [StorageWrite]) async throws {
        try await queue.submit(batch)
    }

    /// Writes the net effect of `writes` (the last change to each key wins) in one statement:
    /// a statement is atomic by itself, so the batch lands whole or not at all.
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
