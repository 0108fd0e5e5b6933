import CofferSDK
import Dispatch
import Foundation
import Logging

/// Runs `coffer agent`: auto-auth with its sinks, the template runners and the API proxy, until
/// SIGTERM or SIGINT (exit 0), `exit_after_auth` (exit 0 once the token is written and every
/// template rendered), or a failure the configuration says to exit on (exit 1). SIGHUP reloads
/// the templates from their sources.
public struct AgentRunner: Sendable {
    /// The configuration.
    public let config: AgentConfig
    /// The process environment (`VAULT_ADDR`, and what `env` in templates reads).
    public let environment: [String: String]

    /// Creates a runner.
    public init(config: AgentConfig, environment: [String: String]) {
        self.config = config
        self.environment = environment
    }

    /// Runs the agent; returns the exit status.
    public func run() async -> Int32 {
        let logger = Self.logger(level: config.logLevel)
        let http: AgentHTTP
        do {
            http = try AgentHTTP(vault: config.vault, environment: environment)
        } catch {
            logger.error("\(error)")
            return 1
        }
        if let pidFile = config.pidFile {
            try? AtomicFile.replace(Array("\(getpid())".utf8), at: pidFile, mode: 0o644, createDirectories: false)
        }
        FileHandle.standardOutput.write(Data("==> Coffer agent started! Log data will stream in below:\n".utf8))
        let store = TokenStore()
        let reload = ReloadSignal()
        let signals = SignalWatcher()
        let signalStream = signals.stream
        let status: Int32 = await withTaskGroup(of: Int32?.self) { group in
            group.addTask {
                for await signal in signalStream {
                    if signal == SIGHUP {
                        logger.info("SIGHUP received, reloading templates")
                        await reload.bump()
                    } else {
                        logger.info("signal received, shutting down")
                        return 0
                    }
                }
                return nil
            }
            group.addTask { await self.work(http: http, store: store, reload: reload, logger: logger) }
            var status: Int32 = 0
            for await result in group {
                if let result {
                    status = result
                    break
                }
            }
            group.cancelAll()
            return status
        }
        signals.stop()
        await http.shutdown()
        if let pidFile = config.pidFile { try? FileManager.default.removeItem(atPath: pidFile) }
        return status
    }

    /// Everything but the signals; returns a status when the agent should exit.
    private func work(http: AgentHTTP, store: TokenStore, reload: ReloadSignal, logger: Logger) async -> Int32? {
        let sinks = config.sinks.map { FileSink(config: $0) }
        let auth = config.method.map { AuthRunner(config: $0, method: AutoAuthMethods.make($0), http: http, sinks: sinks, store: store, logger: logger) }
        let templates = config.templates.map {
            TemplateRunner(
                stanza: $0, http: http, store: store, reload: reload, staticInterval: config.staticSecretRenderInterval,
                numRetries: config.vault.numRetries, exitOnRetryFailure: config.exitOnRetryFailure, environment: environment, logger: logger
            )
        }
        do {
            if config.exitAfterAuth {
                try await auth?.run(once: true)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for template in templates { group.addTask { try await template.run(once: true) } }
                    try await group.waitForAll()
                }
                logger.info("exit_after_auth is set: exiting")
                return 0
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                if let auth { group.addTask { try await auth.run(once: false) } }
                for template in templates { group.addTask { try await template.run(once: false) } }
                for listener in config.listeners {
                    let proxy = APIProxy(listener: listener, mode: config.useAutoAuthToken, http: http, store: store, logger: logger)
                    group.addTask { try await proxy.run() }
                }
                try await group.next()
                group.cancelAll()
            }
            return nil
        } catch let exit as AgentExit {
            return exit.status
        } catch is CancellationError {
            return nil
        } catch {
            logger.error("\(error)")
            return 1
        }
    }

    static func logger(level: String) -> Logger {
        var logger = Logger(label: "agent")
        logger.logLevel = Self.level(level)
        return logger
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

/// SIGTERM, SIGINT and SIGHUP as an async stream; only the stream crosses tasks.
final class SignalWatcher {
    let stream: AsyncStream<Int32>
    private let sources: [any DispatchSourceSignal]

    init() {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        self.stream = stream
        var sources = [any DispatchSourceSignal]()
        for number in [SIGTERM, SIGINT, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    func stop() {
        for source in sources { source.cancel() }
    }
}
