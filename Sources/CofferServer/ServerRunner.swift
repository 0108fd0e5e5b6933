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
        case .sqlite(let path): storage = try SQLiteStorage(path: path)
        case .postgresql(let settings): storage = try await PostgresStorage.open(settings, logger: logger)
        }
        var options = CoreOptions(defaultLeaseTTL: config.defaultLeaseTTL, maxLeaseTTL: config.maxLeaseTTL, clock: { Date().timeIntervalSince1970 })
        if case .sqlite(let path) = config.storage {
            options.protectedDirectories = [URL(fileURLWithPath: path).deletingLastPathComponent().path]
        }
        options.haAdvertiseAddress = config.advertisedAddress
        NumberBounds.onClamp { [logger] field in
            logger.warning("a stored value was out of range and has been clamped; rewrite it to keep the new value", metadata: ["field": "\(field)"])
        }
        let core = Core(physical: storage, options: options, logger: logger)
        let devSecrets: (unsealKey: String, rootToken: String)? = if let dev { try await Self.prepareDevMode(core, dev) } else { nil }
        guard let listener = config.listeners.first, let address = HostPort.parse(listener.address) else {
            throw ConfigError(description: "no usable listener is configured")
        }
        let tls = !listener.tlsDisable
        let server = HTTPServerBuilder.coffer(tls: tls ? try Self.tlsConfiguration(listener) : nil, timeouts: RequestTimeouts(listener))
        let responder = CofferResponder(core: core, logger: logger, tls: tls)
        let banner = Banner(config: config, tls: tls, dev: devSecrets)
        let app = Application(
            responder: responder,
            server: server,
            configuration: ApplicationConfiguration(address: .hostname(address.host, port: address.port), serverName: nil),
            onServerRunning: { channel in
                // Only once the listener is bound: a dev server that fails to start (its port
                // taken by another) must not replace the token of the one that is running.
                if let rootToken = devSecrets?.rootToken { Self.writeTokenHelper(rootToken) }
                banner.print(boundTo: channel.localAddress)
            },
            logger: logger
        )
        // logrotate sends SIGHUP: audit files are reopened at their paths, chains continue.
        signal(SIGHUP, SIG_IGN)
        let hangup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        hangup.setEventHandler { Task { await core.reopenAuditFiles() } }
        hangup.resume()
        defer { hangup.cancel() }
        do {
            try await app.runService()
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
