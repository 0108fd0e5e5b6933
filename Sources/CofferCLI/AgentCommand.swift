import CofferAgent
import Foundation

/// `coffer agent -config=agent.hcl`: Vault Agent's job (auto-auth, sinks, templates, API proxy).
enum AgentCommand {
    static let usage = """
        Usage: coffer agent [options]

          Starts an agent that logs in with the machine's identity, keeps the token fresh, writes
          it to sinks, renders secrets into files with templates, and proxies API calls. It reads
          Vault Agent's configuration (HCL, or JSON by .json suffix).

          -config=PATH                 Agent configuration file (required).
          -exit-after-auth             Exit once authenticated and templates are rendered.
          -log-level=LEVEL             trace, debug, info, warn or error (env VAULT_LOG_LEVEL).

        """

    static func run(_ arguments: [String], environment: [String: String]) async -> Int32 {
        var flags = GoFlags(["config": .repeated, "exit-after-auth": .bool, "log-level": .string, "h": .bool, "help": .bool])
        if let status = flags.parseCommand(arguments, usage: usage) { return status }
        guard flags.positional.isEmpty else {
            Output.error("Too many arguments: \(flags.positional.joined(separator: " "))\n\n\(usage)")
            return 1
        }
        let paths = flags.strings("config")
        guard paths.count == 1 else {
            Output.error(paths.isEmpty ? "Error: a configuration file must be given with -config=PATH\n\n\(usage)" : "Error: coffer agent reads one -config file")
            return 1
        }
        var config: AgentConfig
        do {
            config = try AgentConfig.load(path: paths[0])
        } catch {
            Output.error("Error: \(error)")
            return 1
        }
        if flags.bool("exit-after-auth") { config.exitAfterAuth = true }
        if let level = flags.string("log-level") ?? environment["VAULT_LOG_LEVEL"], !level.isEmpty { config.logLevel = level }
        return await AgentRunner(config: config, environment: environment).run()
    }
}
