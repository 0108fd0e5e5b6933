import CofferSDK
import Logging
import NIOSSL
import PostgresNIO

/// What a pool is built from; a change to any of it means a new pool.
struct PostgresSettings: Sendable, Equatable {
    var url: PostgresConnectionURL
    var maxOpenConnections: Int
    /// Seconds a pool's connections may live before it is replaced (0: no limit).
    var maxConnectionLifetime: Int64
}

/// One connection pool per configured connection, shared by every request and by lease
/// revocation. Keyed by the mount's storage prefix and the connection name, so that a router
/// rebuilt on a mount change finds the same pools, and replaced (then closed after a grace
/// period for queries in flight) when the configuration changes, is reset, or outlives
/// `max_connection_lifetime`.
actor PostgresPools {
    /// The process-wide set.
    static let shared = PostgresPools()

    /// How long a replaced pool keeps serving the queries it has already started.
    static let retireGrace: Duration = .seconds(30)
    /// How long opening a connection may take.
    static let connectTimeout: Duration = .seconds(5)

    /// Limits the server enforces on every session of the engine, below the runner's own
    /// limit: a statement stuck on a lock is cancelled by PostgreSQL and its transaction rolled
    /// back, instead of holding a pooled connection (a running query cannot be cancelled from
    /// the client side).
    static let serverTimeouts: [(String, String)] = [
        ("statement_timeout", "10000"), ("lock_timeout", "8000"), ("idle_in_transaction_session_timeout", "30000"),
    ]

    private struct Entry {
        let settings: PostgresSettings
        let client: PostgresClient
        let runner: Task<Void, Never>
        let created: ContinuousClock.Instant
    }

    private var entries: [String: Entry] = [:]

    /// The pool for `key`, made (and started) on first use or when `settings` changed.
    func client(_ key: String, _ settings: PostgresSettings) throws(CofferError) -> PostgresClient {
        if let entry = entries[key], entry.settings == settings {
            let lifetime = settings.maxConnectionLifetime
            if lifetime <= 0 || ContinuousClock.now - entry.created < .seconds(lifetime) { return entry.client }
        }
        close(key)
        let client = PostgresClient(configuration: try Self.configuration(settings))
        let runner = Task { await client.run() }
        entries[key] = Entry(settings: settings, client: client, runner: runner, created: .now)
        return client
    }

    /// Retires the pool for `key`, if any: it stops after the grace period.
    func close(_ key: String) {
        guard let old = entries.removeValue(forKey: key) else { return }
        Task {
            try? await Task.sleep(for: Self.retireGrace)
            old.runner.cancel()
        }
    }

    static func configuration(_ settings: PostgresSettings) throws(CofferError) -> PostgresClient.Configuration {
        let url = settings.url
        var configuration: PostgresClient.Configuration
        if url.host.hasPrefix("/") {
            configuration = PostgresClient.Configuration(
                unixSocketPath: url.host + "/.s.PGSQL.\(url.port)", username: url.user, password: url.password, database: url.database
            )
        } else {
            configuration = PostgresClient.Configuration(
                host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: tls(url.sslMode)
            )
        }
        configuration.options.additionalStartupParameters = serverTimeouts
        configuration.options.maximumConnections = max(1, settings.maxOpenConnections)
        configuration.options.connectTimeout = connectTimeout
        configuration.options.connectionIdleTimeout = .seconds(60)
        return configuration
    }

    static func tls(_ sslMode: String) -> PostgresClient.Configuration.TLS {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case "disable":
            return .disable
        case "allow", "prefer":
            tls.certificateVerification = .none
            return .prefer(tls)
        case "require":
            tls.certificateVerification = .none
            return .require(tls)
        case "verify-ca":
            tls.certificateVerification = .noHostnameVerification
            return .require(tls)
        default:
            return .require(tls)
        }
    }

    /// Opens one connection outside any pool and runs `SELECT 1`: `verify_connection`.
    static func verify(_ settings: PostgresSettings, logger: Logger) async throws {
        let url = settings.url
        var configuration: PostgresConnection.Configuration
        if url.host.hasPrefix("/") {
            configuration = PostgresConnection.Configuration(
                unixSocketPath: url.host + "/.s.PGSQL.\(url.port)", username: url.user, password: url.password, database: url.database
            )
        } else {
            let mode = url.sslMode
            let tlsMode: PostgresConnection.Configuration.TLS
            if mode == "disable" {
                tlsMode = .disable
            } else {
                var tls = TLSConfiguration.makeClientConfiguration()
                tls.certificateVerification = mode == "verify-full" ? .fullVerification : mode == "verify-ca" ? .noHostnameVerification : .none
                let context = try NIOSSLContext(configuration: tls)
                tlsMode = mode == "allow" || mode == "prefer" ? .prefer(context) : .require(context)
            }
            configuration = PostgresConnection.Configuration(
                host: url.host, port: url.port, username: url.user, password: url.password, database: url.database, tls: tlsMode
            )
        }
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.additionalStartupParameters = serverTimeouts
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
        defer { Task { try? await connection.close() } }
        _ = try await connection.query("SELECT 1", logger: logger).collect()
    }
}
