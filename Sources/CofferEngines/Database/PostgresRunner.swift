import CofferSDK
import Logging
import PostgresNIO

/// Runs SQL for the engine against one configured connection, through its pool, with a time
/// limit on every call so that an unreachable database is an error, not a hung request.
struct PostgresRunner: Sendable {
    let client: PostgresClient
    /// The pool's settings, for a direct probe when the pool is slow to hand out a connection.
    let settings: PostgresSettings
    /// Secrets to mask in any error text (passwords of this call).
    let secrets: [String]
    let logger: Logger

    /// How long one call (waiting for a connection included) may take.
    static let timeout: Duration = .seconds(15)
    /// How long a call runs before a direct connection checks that the database is reachable.
    static let probeAfter: Duration = .seconds(2)

    /// Runs `statements` in one transaction; all or nothing.
    func transaction(_ statements: [String]) async throws {
        guard !statements.isEmpty else { return }
        if statements.count == 1 {
            // One statement is atomic on its own: two round trips fewer than BEGIN … COMMIT.
            return try await execute(PostgresQuery(unsafeSQL: statements[0]))
        }
        try await limited { [client, logger] in
            try await client.withConnection { connection in
                _ = try await connection.query("BEGIN", logger: logger).collect()
                do {
                    for statement in statements {
                        _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).collect()
                    }
                    _ = try await connection.query("COMMIT", logger: logger).collect()
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger).collect()
                    throw error
                }
            }
        }
    }

    /// Runs `statements` one by one outside a transaction, ignoring failures: for rollback
    /// statements after a failed creation, which are best effort by nature.
    func bestEffort(_ statements: [String]) async {
        for statement in statements {
            _ = try? await limited { [client, logger] in
                try await client.query(PostgresQuery(unsafeSQL: statement), logger: logger).collect()
            }
        }
    }

    /// Runs a query with bound parameters and returns the first column of every row as text.
    func strings(_ query: PostgresQuery) async throws -> [String] {
        try await limited { [client, logger] in
            var out = [String]()
            for try await row in try await client.query(query, logger: logger) {
                out.append(try row.decode(String.self))
            }
            return out
        }
    }

    /// Runs a query with bound parameters, discarding rows.
    func execute(_ query: PostgresQuery) async throws {
        _ = try await limited { [client, logger] in
            try await client.query(query, logger: logger).collect()
        }
    }

    /// Runs `body` within `timeout`. A pool keeps retrying a database it cannot reach, so a
    /// call that is still waiting after `probeAfter` opens one direct connection: if that
    /// fails, the call fails at once with the reason (connection refused, bad password …).
    private func limited<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { [settings, logger] group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: Self.probeAfter)
                try await PostgresPools.verify(settings, logger: logger)
                try await Task.sleep(for: Self.timeout - Self.probeAfter)
                throw CofferError(.internalError, "timed out after \(Self.timeout.components.seconds)s waiting for the database")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// A client-safe description of a database failure: the server's message and SQLSTATE, or
    /// the connection problem, with this call's secrets masked.
    func describe(_ error: any Error) -> String {
        Self.describe(error, secrets: secrets)
    }

    static func describe(_ error: any Error, secrets: [String]) -> String {
        var text: String
        if let coffer = error as? CofferError {
            text = coffer.messages.joined(separator: "; ")
        } else if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] {
                text = message
                if let state = psql.serverInfo?[.sqlState] { text += " (SQLSTATE \(state))" }
            } else if let underlying = psql.underlying {
                text = "\(psql.code): \(Self.describe(underlying, secrets: secrets))"
            } else {
                text = "\(psql.code)"
            }
        } else {
            text = String(describing: error)
        }
        for secret in secrets where !secret.isEmpty { text = text.replacing(secret, with: "*****") }
        if text.utf8.count > 1000 { text = String(text.prefix(1000)) + "…" }
        return text
    }
}
