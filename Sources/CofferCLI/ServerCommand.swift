import CofferServer
import Foundation

/// `coffer server`: `-dev` for an in-memory, unsealed server, or `-config=PATH` for a real one.
enum ServerCommand {
    static let usage = """
        Usage: coffer server [options]

          Starts a coffer server. With -dev, an in-memory server that is initialised, unsealed
          and has KV v2 mounted at secret/. Otherwise -config names an HCL or JSON file.

          -config=PATH                 Server configuration file (HCL, or JSON by .json suffix).
          -dev                         Development mode.
          -dev-root-token-id=ID        Root token in dev mode (env VAULT_DEV_ROOT_TOKEN_ID).
          -dev-listen-address=ADDR     Listen address in dev mode (env VAULT_DEV_LISTEN_ADDRESS),
                                       default 127.0.0.1:8200.
          -log-level=LEVEL             trace, debug, info, warn or error (env VAULT_LOG_LEVEL).

        """

    static func run(_ arguments: [String], environment: [String: String]) async -> Int32 {
        var flags = GoFlags([
            "config": .repeated, "dev": .bool, "dev-root-token-id": .string, "dev-listen-address": .string,
            "log-level": .string, "h": .bool, "help": .bool,
        ])
        if let status = flags.parseCommand(arguments, usage: usage) { return status }
        guard flags.positional.isEmpty else {
            Output.error("Too many arguments: \(flags.positional.joined(separator: " "))\n\n\(usage)")
            return 1
        }
        var config: ServerConfig
        var dev: DevModeOptions?
        if flags.bool("dev") {
            var options = DevModeOptions()
            options.rootTokenID = flags.string("dev-root-token-id") ?? environment["VAULT_DEV_ROOT_TOKEN_ID"].flatMap { $0.isEmpty ? nil : $0 }
            options.listenAddress = flags.string("dev-listen-address") ?? environment["VAULT_DEV_LISTEN_ADDRESS"].flatMap { $0.isEmpty ? nil : $0 } ?? options.listenAddress
            guard HostPort.parse(options.listenAddress) != nil else {
                Output.error("Error: invalid -dev-listen-address \"\(options.listenAddress)\"; expected host:port")
                return 1
            }
            config = ServerConfig()
            config.storage = .inmem
            var listener = ServerConfig.Listener()
            listener.address = options.listenAddress
            listener.tlsDisable = true
            config.listeners = [listener]
            dev = options
        } else {
            let paths = flags.strings("config")
            guard paths.count == 1 else {
                Output.error(paths.isEmpty
                    ? "Error: a configuration file must be given with -config=PATH, or use -dev\n\n\(usage)"
                    : "Error: coffer reads one -config file")
                return 1
            }
            do {
                config = try ServerConfig.load(path: paths[0])
            } catch {
                Output.error("Error: \(error)")
                return 1
            }
        }
        if let level = flags.string("log-level") ?? environment["VAULT_LOG_LEVEL"], !level.isEmpty {
            config.logLevel = level
        }
        do {
            try await ServerRunner(config: config, dev: dev).run()
            return 0
        } catch {
            Output.error("Error starting server: \(error)")
            return 1
        }
    }
}
