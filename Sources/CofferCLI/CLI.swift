import CofferCore
import Foundation

/// The command line: the same binary is server and client, under the name `coffer` or `vault`.
public enum CLI {
    static let usage = """
        Usage: coffer <command> [args]

        Commands:
            server     Start a coffer server
            audit      Verify a hash-chained audit log (audit verify FILE)
            version    Print the version

        """

    /// Runs the command in `arguments` (without the program name) and returns the exit code.
    public static func main(_ arguments: [String], environment: [String: String]) async -> Int32 {
        guard let command = arguments.first else {
            Output.error(usage)
            return 127
        }
        let rest = Array(arguments.dropFirst())
        switch command {
        case "server": return await ServerCommand.run(rest, environment: environment)
        case "audit": return AuditCommand.run(rest)
        case "version", "-version", "--version", "-v":
            Output.out("Coffer v\(CofferVersion.coffer) (Vault API \(CofferVersion.vaultCompatible))")
            return 0
        case "-h", "-help", "--help", "help":
            Output.out(usage)
            return 0
        default:
            Output.error("Unknown command: \(command)\n\n\(usage)")
            return 127
        }
    }
}
