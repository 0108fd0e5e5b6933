import CofferSDK
import Logging
import NIOCore
import PostgresNIO

/// Synchronous reads inside one `REPEATABLE READ` transaction on one leased connection: the
/// snapshot `Storage.read` promises. It runs on a thread of its own and waits for each answer,
/// never on an event loop.
struct PostgresReader: StorageReader, @unchecked Sendable {
    // The connection is used only while the lease that `read` holds lasts.
    let connection: PostgresConnection
    let table: String
    let logger: Logger

    func get(_ key: String) throws -> [UInt8]? {
        let split = PostgresKey(key)
        let result = try wait(connection.query("SELECT value FROM \(unescaped: table) WHERE path = \(split.path) AND key = \(split.key)", logger: logger))
        guard let row = result.rows.first else { return nil }
        return try row.decode(ByteBuffer?.self).map { Array($0.readableBytesView) } ?? []
    }

    func scan(prefix: String, after: String?, limit: Int) throws -> [String] {
        guard limit > 0 else { return [] }
        let query = try PostgresStorage.scanQuery(table: table, prefix: prefix, after: after, limit: limit)
        return try wait(connection.query(query, logger: logger)).rows.map(PostgresStorage.fullKey)
    }

    private func wait(_ future: EventLoopFuture<PostgresQueryResult>) throws -> PostgresQueryResult {
        do {
            return try future.wait()
        } catch {
            throw PostgresStorage.storageError(error)
        }
    }
}
