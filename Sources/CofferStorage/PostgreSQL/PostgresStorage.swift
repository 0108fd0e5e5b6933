import CofferSDK
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// Physical storage in a PostgreSQL table laid out as Vault's (`parent_path`, `path`, `key`,
/// `value`), so that several coffer nodes can share it and the operator's DBAs back it up and
/// replicate it. Values arrive sealed by the barrier: the table holds only ciphertext.
public final class PostgresStorage: PhysicalStorage {
    /// The settings it was opened with.
    public let settings: PostgresStorageSettings
    private let pools: PostgresPoolSlot
    /// The current connection pool.
    var client: PostgresClient { pools.client }
    private let committer: PostgresCommitter
    /// Values this node read or wrote; on only while this node is the one that writes.
    let cache: PostgresReadCache
    /// Which keys may be in the table, so that a read of a missing key needs no round trip; on
    /// when the cache is.
    let directory: KeyDirectory
    let logger: Logger
    let table: String

    /// How long one storage call (waiting for a pooled connection included) may take before it
    /// fails: a database that went away is an error for the request, not a hung one.
    static let callTimeout: Duration = .seconds(20)
    private static let watchdog = CallWatchdog()

    /// Threads that run snapshot readers (`read`), which block on their queries.
    private static let readerThreads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        return pool
    }()

    private init(settings: PostgresStorageSettings, logger: Logger) throws(CofferError) {
        self.settings = settings
        self.logger = logger
        let table = PostgresStorageSettings.quoted(settings.table)
        self.table = table
        let pools = PostgresPoolSlot(configuration: try Self.configuration(settings), logger: logger)
        self.pools = pools
        // With HA a node caches only while it is the active node (see setCaching).
        let cache = PostgresReadCache(capacity: 131_072, enabled: !settings.haEnabled)
        self.cache = cache
        let directory = KeyDirectory(
            loader: { try await Self.call(pools) { try await Self.keyHashes(pools.client, table: table, logger: logger) } },
            onFailure: { error in
                logger.warning("could not list PostgreSQL storage's keys: reads of missing keys go to the database", metadata: ["error": "\(error)"])
            }
        )
        self.directory = directory
        committer = PostgresCommitter(
            client: { pools.client }, guarded: { work in try await Self.call(pools, work) }, table: table, logger: logger, cache: cache,
            directory: directory
        )
    }

    /// Turns the read cache on when this node becomes the only writer, off when it stops being
    /// it; emptied either way, so nothing read in another role is served.
    public func setCaching(_ on: Bool) {
        cache.setEnabled(on)
        if on { directory.start() } else { directory.stop() }
    }

    /// The hash of every key in the table, for the key directory.
    private static func keyHashes(_ client: PostgresClient, table: String, logger: Logger) async throws -> [Int] {
        var hashes = [Int]()
        let rows = try await client.query("SELECT path, key FROM \(unescaped: table)", logger: logger)
        for try await row in rows { hashes.append(try fullKey(row).hashValue) }
        return hashes
    }

    /// Connects, creates the tables unless told not to, and checks that the entries table is there.
    public static func open(_ settings: PostgresStorageSettings, logger: Logger) async throws -> PostgresStorage {
        try await probe(settings, logger: logger)
        let storage = try PostgresStorage(settings: settings, logger: logger)
        do {
            if !settings.skipCreateTable {
                try await storage.createTables()
            }
            // Fails with a clear message when skip_create_table was set and nobody created it.
            _ = try await storage.count(prefix: "core/")
        } catch {
            try? await storage.close()
            throw error
        }
        // Without HA this node is the only writer from the start; with it, from when it is active.
        if !settings.haEnabled { storage.setCaching(true) }
        return storage
    }

    /// One connection outside the pool, so that a database that is down or refuses the login
    /// stops the start at once with PostgreSQL's reason (the pool would keep retrying).
    private static func probe(_ settings: PostgresStorageSettings, logger: Logger) async throws {
        var configuration: PostgresConnection.Configuration
        if settings.host.hasPrefix("/") {
            configuration = PostgresConnection.Configuration(
                unixSocketPath: settings.host + "/.s.PGSQL.\(settings.port)", username: settings.user, password: settings.password,
                database: settings.database
            )
        } else {
            var tlsMode = PostgresConnection.Configuration.TLS.disable
            if let (tls, preferred) = tlsSettings(settings.sslMode) {
                let context = try NIOSSLContext(configuration: tls)
                tlsMode = preferred ? .prefer(context) : .require(context)
            }
            configuration = PostgresConnection.Configuration(
                host: settings.host, port: settings.port, username: settings.user, password: settings.password, database: settings.database, tls: tlsMode
            )
        }
        configuration.options.connectTimeout = .seconds(5)
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try? await connection.close()
        } catch {
            let reason = (error as? PSQLError).flatMap { $0.serverInfo?[.message] } ?? Self.connectionFailure(error)
            throw CofferError(.internalError, "cannot connect to PostgreSQL storage at \(settings.host):\(settings.port): \(reason)")
        }
    }

    private static func connectionFailure(_ error: any Error) -> String {
        if let psql = error as? PSQLError, let underlying = psql.underlying { return "\(underlying)" }
        return "\(type(of: error))"
    }

    /// Vault's documented schema, plus one index on the whole key for ordered scans (an operator
    /// who creates the tables by hand may add it too; without it scans are slower, not wrong).
    public static func schema(_ settings: PostgresStorageSettings) -> [String] {
        let table = PostgresStorageSettings.quoted(settings.table)
        let bare = PostgresStorageSettings.bareName(settings.table)
        var statements = [
            """
            CREATE TABLE IF NOT EXISTS \(table) (
              parent_path TEXT COLLATE "C" NOT NULL,
              path        TEXT COLLATE "C",
              key         TEXT COLLATE "C",
              value       BYTEA,
              CONSTRAINT \(bare)_pkey PRIMARY KEY (path, key)
            )
            """,
            "CREATE INDEX IF NOT EXISTS \(bare)_parent_path_idx ON \(table) (parent_path)",
            "CREATE INDEX IF NOT EXISTS \(bare)_full_key_idx ON \(table) ((path || key))",
        ]
        if settings.haEnabled {
            let locks = PostgresStorageSettings.quoted(settings.haTable)
            let lockBare = PostgresStorageSettings.bareName(settings.haTable)
            statements.append(
                """
                CREATE TABLE IF NOT EXISTS \(locks) (
                  ha_key      TEXT COLLATE "C" NOT NULL,
                  ha_identity TEXT COLLATE "C" NOT NULL,
                  ha_value    TEXT COLLATE "C",
                  valid_until TIMESTAMP WITH TIME ZONE NOT NULL,
                  CONSTRAINT \(lockBare)_ha_key PRIMARY KEY (ha_key)
                )
                """
            )
        }
        return statements
    }

    private func createTables() async throws {
        try await call {
            try await self.client.withConnection { connection in
                // Two nodes starting together would both try; the advisory lock makes the second wait.
                try await connection.query("SELECT pg_advisory_lock(7316720240)", logger: self.logger)
                for statement in Self.schema(self.settings) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                }
                try await connection.query("SELECT pg_advisory_unlock(7316720240)", logger: self.logger)
            }
        }
    }

    public var typeName: String { "postgresql" }

    public func get(_ key: String) async throws -> [UInt8]? {
        let (hit, generation) = cache.lookup(key)
        if let hit { return hit }
        if directory.absent(key) { return nil }
        let value = try await fetch(key)
        if let generation { cache.fill(key, value, generation: generation) }
        return value
    }

    private func fetch(_ key: String) async throws -> [UInt8]? {
        let split = PostgresKey(key)
        return try await call {
            let rows = try await self.client.query(
                "SELECT value FROM \(unescaped: self.table) WHERE path = \(split.path) AND key = \(split.key)", logger: self.logger
            )
            // Read to the end: a sequence left half-read keeps its pooled connection leased.
            guard let row = try await rows.collect().first else { return nil }
            return try row.decode(ByteBuffer?.self).map { Array($0.readableBytesView) } ?? []
        }
    }

    public func put(_ key: String, _ value: [UInt8]) async throws {
        try await write([.put(key, value)])
    }

    public func delete(_ key: String) async throws {
        try await write([.delete(key)])
    }

    public func list(prefix: String) async throws -> [String] {
        Listing.children(of: try await scan(prefix: prefix, after: nil, limit: Int.max), prefix: prefix)
    }

    public func scan(prefix: String, after: String?, limit: Int) async throws -> [String] {
        guard limit > 0 else { return [] }
        let query = try Self.scanQuery(table: table, prefix: prefix, after: after, limit: limit)
        return try await call {
            var keys = [String]()
            for row in try await self.client.query(query, logger: self.logger).collect() {
                keys.append(try Self.fullKey(row))
            }
            return keys
        }
    }

    public func count(prefix: String) async throws -> Int {
        try await call {
            let rows = try await self.client.query(
                "SELECT count(*) FROM \(unescaped: self.table) WHERE (path || key) >= \("/" + prefix) AND (path || key) < \("/" + prefix + "\u{10FFFF}")",
                logger: self.logger
            )
            guard let row = try await rows.collect().first else { return 0 }
            return Int(try row.decode(Int64.self))
        }
    }

    public func read<T: Sendable>(_ priority: ReadPriority, _ body: @escaping @Sendable (any StorageReader) throws -> T) async throws -> T {
        try await call {
            try await self.client.withConnection { connection in
                try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: self.logger)
                do {
                    let reader = PostgresReader(connection: connection, table: self.table, logger: self.logger)
                    let result = try await Self.readerThreads.runIfActive { try body(reader) }
                    try await connection.query("COMMIT", logger: self.logger)
                    return result
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: self.logger)
                    throw error
                }
            }
        }
    }

    public func write(_ batch: [StorageWrite]) async throws {
        guard !batch.isEmpty else { return }
        do {
            try await call { try await self.committer.submit(batch) }
        } catch {
            // Timed out here while the commit may still land: the committer records it if it
            // does; until then no read may keep what these keys held.
            cache.forget(batch.map(\.key))
            directory.unsure(batch.map(\.key))
            throw error
        }
    }

    public func close() async throws {
        await pools.close()
    }

    // MARK: Helpers

    /// The keys below `prefix`, in order, on the whole-key index.
    static func scanQuery(table: String, prefix: String, after: String?, limit: Int) throws -> PostgresQuery {
        var binds = PostgresBindings(capacity: 3)
        let from = after.flatMap { $0 >= prefix ? $0 : nil }
        binds.append("/" + (from ?? prefix))
        binds.append("/" + prefix + "\u{10FFFF}")
        binds.append(Int64(min(limit, Int(Int64.max))))
        let lower = from == nil ? ">=" : ">"
        return PostgresQuery(
            unsafeSQL: "SELECT path, key FROM \(table) WHERE (path || key) \(lower) $1 AND (path || key) < $2 ORDER BY (path || key) LIMIT $3",
            binds: binds
        )
    }

    static func fullKey(_ row: PostgresRow) throws -> String {
        let (path, key) = try row.decode((String, String).self)
        return PostgresKey.full(path: path, key: key)
    }

    /// Runs `body` with a time limit, and turns PostgreSQL's errors into storage errors that
    /// carry the server's message (never a value or a password) to the log.
    func call<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await Self.call(pools, body)
    }

    /// `call` for the committer, which has no storage to call it on.
    static func call<T: Sendable>(_ pools: PostgresPoolSlot, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        // Not a task group: a group waits for every child, so a call stuck inside the pool
        // would hold the request for ever. The work is cancelled and left to end on its own.
        let outcome = Outcome<T>()
        let result: Result<T, any Error> = await withCheckedContinuation { done in
            outcome.install(done)
            let ticket = Self.watchdog.arm(Self.callTimeout) {
                if outcome.finish(.failure(CofferError(.internalError, "PostgreSQL storage did not answer within \(Self.callTimeout)"))) {
                    outcome.cancelWork()
                }
            }
            outcome.setWork(Task {
                let result: Result<T, any Error>
                do { result = .success(try await body()) } catch { result = .failure(error) }
                Self.watchdog.disarm(ticket)
                outcome.finish(result)
            })
        }
        switch result {
        case .success(let value): return value
        case .failure(let error as CofferError):
            if error.messages.first?.contains("did not answer within") == true { pools.replace(reason: "a call timed out") }
            throw error
        case .failure(let error):
            if Self.isConnectionFailure(error) { pools.replace(reason: "a connection failed") }
            throw Self.storageError(error)
        }
    }

    /// True for failures of the connection rather than of the statement: the database went
    /// away or is restarting. postgres-nio's pool could end up handing out no connection at all
    /// after such failures, so the pool is replaced (see `PostgresPoolSlot`).
    static func isConnectionFailure(_ error: any Error) -> Bool {
        guard let psql = error as? PSQLError else { return !(error is CancellationError) }
        guard let state = psql.serverInfo?[.sqlState] else { return true }
        return state.hasPrefix("08") || state.hasPrefix("57P")
    }

    static func storageError(_ error: any Error) -> CofferError {
        if let psql = error as? PSQLError {
            let message = psql.serverInfo?[.message] ?? "\(psql.code)"
            return CofferError(.internalError, "PostgreSQL storage: \(message)")
        }
        if error is CancellationError { return CofferError(.internalError, "PostgreSQL storage: the call was cancelled") }
        return CofferError(.internalError, "PostgreSQL storage: \(type(of: error))")
    }

    static func configuration(_ settings: PostgresStorageSettings) throws(CofferError) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if settings.host.hasPrefix("/") {
            configuration = PostgresClient.Configuration(
                unixSocketPath: settings.host + "/.s.PGSQL.\(settings.port)", username: settings.user, password: settings.password,
                database: settings.database
            )
        } else {
            configuration = PostgresClient.Configuration(
                host: settings.host, port: settings.port, username: settings.user, password: settings.password, database: settings.database,
                tls: tls(settings.sslMode)
            )
        }
        configuration.options.maximumConnections = max(1, settings.maxParallel)
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.connectionIdleTimeout = .seconds(60)
        return configuration
    }

    static func tls(_ sslMode: String) -> PostgresClient.Configuration.TLS {
        guard let (tls, preferred) = tlsSettings(sslMode) else { return .disable }
        return preferred ? .prefer(tls) : .require(tls)
    }

    /// libpq's `sslmode` (validated when the URL was parsed) as TLS settings, nil for `disable`;
    /// `preferred` when a server without TLS is still accepted. Both the probe's connection and
    /// the pool use it.
    static func tlsSettings(_ sslMode: String) -> (configuration: TLSConfiguration, preferred: Bool)? {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case "disable": return nil
        case "allow", "prefer", "require": tls.certificateVerification = .none
        case "verify-ca": tls.certificateVerification = .noHostnameVerification
        default: break  // verify-full: the certificate and the host name are checked
        }
        return (tls, sslMode == "allow" || sslMode == "prefer")
    }
}

/// The first of two racers to finish resumes the waiting call; the other is ignored.
private final class Outcome<T: Sendable>: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<Result<T, any Error>, Never>?, result: Result<T, any Error>?)>((nil, nil))
    private let work = Mutex<Task<Void, Never>?>(nil)

    func setWork(_ task: Task<Void, Never>) { work.withLock { $0 = task } }
    func cancelWork() { work.withLock { $0 }?.cancel() }

    func install(_ continuation: CheckedContinuation<Result<T, any Error>, Never>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            if let result = state.result { return result }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(returning: early) }
    }

    /// True when this result was the first.
    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
        let (first, waiting) = state.withLock { state -> (Bool, CheckedContinuation<Result<T, any Error>, Never>?) in
            guard state.result == nil else { return (false, nil) }
            state.result = result
            defer { state.continuation = nil }
            return (true, state.continuation)
        }
        waiting?.resume(returning: result)
        return first
    }
}
