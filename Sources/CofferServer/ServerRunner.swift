import CofferCore
import CofferCrypto
import CofferSDK
import CofferStorage
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// Starts the server: storage, core, the HTTP listener (TLS when configured), and runs until
/// SIGTERM or SIGINT, letting in-flight requests finish and closing storage cleanly.
public struct ServerRunner: Sendable {
    /// The configuration, or nil in dev mode.
    public var config: ServerConfig
    /// Dev mode, when asked for.
    public var dev: DevModeOptions?

    /// Creates a runner.
    public init(config: ServerConfig, dev: DevModeOptions?) {
        self.config = config
        self.dev = dev
    }

    /// Runs until shut down.
    public func run() async throws {
        umask(0o077)  // every file we create (database, WAL, token helper) is private to us
        var logger = Logger(label: "core")
        logger.logLevel = Self.level(config.logLevel)
        let storage: any PhysicalStorage
        switch config.storage {
        case .inmem: storage = InMemoryStorage()
        case .sqlite(let path):
            // Its folder is made private on first use, so a fresh host needs no set-up step.
            try FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            storage = try SQLiteStorage(path: path)
        case .postgresql(let settings): storage = try await PostgresStorage.open(settings, logger: logger)
        }
        var options = CoreOptions(defaultLeaseTTL: config.defaultLeaseTTL, maxLeaseTTL: config.maxLeaseTTL, clock: { Date().timeIntervalSince1970 })
        if case .sqlite(let path) = config.storage {
            options.protectedDirectories = [URL(fileURLWithPath: path).deletingLastPathComponent().path]
        }
        if dev == nil, let seal = config.seal { options.staticSeal = try seal.load() }
        var telemetry = config.telemetry
        // As OpenBao's dev server does, a dev server serves Prometheus metrics out of the box.
        if dev != nil, telemetry.prometheusRetentionTime == 0 { telemetry.prometheusRetentionTime = 24 * 3600 }
        let metrics = ServerMetrics(telemetry: telemetry)
        options.metrics = metrics.factory
        options.haAdvertiseAddress = config.advertisedAddress
        NumberBounds.onClamp { [logger] field in
            logger.warning("a stored value was out of range and has been clamped; rewrite it to keep the new value", metadata: ["field": "\(field)"])
        }
        let core = Core(physical: storage, options: options, logger: logger)
        let devSecrets: (unsealKey: String, rootToken: String)? = if let dev { try await Self.prepareDevMode(core, dev) } else { nil }
        if dev == nil, options.staticSeal != nil { try await Self.startWithStaticSeal(core, config, logger) }
        guard let listener = config.listeners.first, let address = HostPort.parse(listener.address) else {
            throw ConfigError(description: "no usable listener is configured")
        }
        let tls = !listener.tlsDisable
        let server = HTTPServerBuilder.coffer(tls: tls ? try Self.tlsConfiguration(listener) : nil, timeouts: RequestTimeouts(listener))
        var responder = CofferResponder(core: core, logger: logger, tls: tls, metrics: metrics)
        responder.unauthenticatedMetrics = listener.unauthenticatedMetricsAccess
        let usageGauges = metrics.startUsageGauges(core: core, period: telemetry.usageGaugePeriod, logger: logger)
        defer { usageGauges?.cancel() }
        let banner = Banner(config: config, tls: tls, dev: devSecrets)
        let listening = HTTPListener(
            responder: responder, server: server, address: .hostname(address.host, port: address.port), logger: logger,
            onServerRunning: { channel in
                // Only once the listener is bound: a dev server that fails to start (its port
                // taken by another) must not replace the token of the one that is running.
                if let rootToken = devSecrets?.rootToken { Self.writeTokenHelper(rootToken) }
                banner.print(boundTo: channel.localAddress)
            }
        )
        // logrotate sends SIGHUP: audit files are reopened at their paths, chains continue.
        signal(SIGHUP, SIG_IGN)
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        hangup.setEventHandler { Task { await core.reopenAuditFiles() } }
        hangup.resume()
        defer { hangup.cancel() }
        do {
            try await listening.runUntilSignalled()
        } catch {
            await core.shutdown()
            try? await storage.close()
            throw error
        }
        await core.shutdown()
        try await storage.close()
        logger.info("shutdown complete")
    }

    private static func prepareDevMode(_ core: Core, _ dev: DevModeOptions) async throws -> (String, String) {
        let result = try await core.initialize(shares: 1, threshold: 1, rootTokenID: dev.rootTokenID, keepUnsealed: true)
        let mount = LogicalRequest(
            id: SecureRandom.uuid(), operation: .update, path: "sys/mounts/secret",
            data: ["type": "kv", "options": ["version": "2"], "description": "key/value secret storage"],
            clientToken: result.rootToken
        )
        _ = try await core.handle(mount)
        return (Base64.encode(result.keys[0]), result.rootToken)
    }

    /// Unseals with the configured key; on the first start of empty storage with `initialize`
    /// stanzas, initialises it and runs them instead. Both happen before the listener opens, so
    /// the first client finds the server ready.
    private static func startWithStaticSeal(_ core: Core, _ config: ServerConfig, _ logger: Logger) async throws {
        guard !config.initialize.isEmpty, try await !core.sealStatus().initialized else {
            await core.autoUnseal()
            return
        }
        logger.info("storage is empty: initializing it and running the initialize stanzas", metadata: ["stanzas": "\(config.initialize.count)"])
        let result = try await core.initializeStatic(recoveryShares: 0, recoveryThreshold: 0)
        // With HA storage the node first campaigns; the requests need it to be the active one.
        let deadline = ContinuousClock.now + .seconds(60)
        while core.haStatus.enabled, !core.haStatus.isSelf, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        guard !core.haStatus.enabled || core.haStatus.isSelf else {
            logger.error("self-initialization did not run: this node did not become the active node within a minute")
            return
        }
        _ = await SelfInitializer(core: core, logger: logger, stanzas: config.initialize).run(rootToken: result.rootToken)
    }

    /// As Vault's dev mode does, authenticates the local CLI with the new root token.
    private static func writeTokenHelper(_ rootToken: String) {
        if let home = ProcessInfo.processInfo.environment["HOME"], !home.isEmpty {
            _ = FileManager.default.createFile(atPath: home + "/.vault-token", contents: Data(rootToken.utf8), attributes: [.posixPermissions: 0o600])
        }
    }

    static func tlsConfiguration(_ listener: ServerConfig.Listener) throws -> TLSConfiguration {
        guard let certFile = listener.tlsCertFile, let keyFile = listener.tlsKeyFile else {
            throw ConfigError(description: "TLS needs tls_cert_file and tls_key_file")
        }
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certFile).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
            return TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        } catch {
            throw ConfigError(description: "error loading TLS certificate or key (\(certFile), \(keyFile)): \(error)")
        }
    }

    static func level(_ text: String) -> Logger.Level {
        switch text.lowercased() {
        case "trace": .trace
        case "debug": .debug
        case "warn", "warning": .warning
        case "error", "err": .error
        default: .info
        }
    }
}
