import CofferCore
import Foundation

/// The command line: the same binary is server and client, under the name `coffer` or `vault`.
public enum CLI {
    static let usage = """
        Usage: coffer <command> [args]

        Common commands:
            agent       Start a coffer agent (auto-auth, sinks, templates, API proxy)
            read        Read data and retrieves secrets
            write       Write data, configuration, and secrets
            delete      Delete secrets and configuration
            list        List data or secrets
            login       Authenticate locally
            server      Start a coffer server
            status      Print seal and HA status
            unwrap      Unwrap a wrapped secret

        Other commands:
            audit       Interact with audit devices (and verify hash-chained logs)
            auth        Interact with auth methods
            kv          Interact with the KV secrets engine
            lease       Interact with leases
            operator    Perform operator-specific tasks
            patch       Patch data, configuration, and secrets
            policy      Interact with policies
            secrets     Interact with secrets engines
            token       Interact with tokens
            version     Print the version

        """

    /// Every client command, by its words.
    static let commands: [String: (ClientCommand, String)] = [
        "read": (GenericCommands.read, "reading"),
        "write": (GenericCommands.write, "writing"),
        "patch": (GenericCommands.patch, "patching"),
        "list": (GenericCommands.list, "listing"),
        "delete": (GenericCommands.delete, "deleting"),
        "unwrap": (GenericCommands.unwrap, "unwrapping"),
        "status": (OperatorCommands.status, "checking seal status"),
        "login": (OperatorCommands.login, "authenticating"),
        "operator init": (OperatorCommands.initialize, "initializing"),
        "operator unseal": (OperatorCommands.unseal, "unsealing"),
        "operator seal": (OperatorCommands.seal, "sealing"),
        "operator key-status": (OperatorCommands.keyStatus, "reading key status"),
        "operator rotate": (OperatorCommands.rotate, "rotating key"),
        "operator rekey": (KeyHolderCommands.rekey, "rekeying"),
        "operator generate-root": (KeyHolderCommands.generateRoot, "generating root"),
        "kv get": (KVCommands.get, "reading data"),
        "kv put": (KVCommands.put, "writing data"),
        "kv patch": (KVCommands.patch, "patching data"),
        "kv delete": (KVCommands.delete, "deleting data"),
        "kv undelete": (KVCommands.versionCommand("undelete"), "undeleting versions"),
        "kv destroy": (KVCommands.versionCommand("destroy"), "destroying versions"),
        "kv list": (KVCommands.list, "listing"),
        "kv metadata get": (KVCommands.metadataGet, "reading metadata"),
        "kv metadata put": (KVCommands.metadataPut, "writing metadata"),
        "kv metadata delete": (KVCommands.metadataDelete, "deleting metadata"),
        "kv enable-versioning": (KVCommands.enableVersioning, "tuning secrets engine"),
        "token create": (TokenCommands.create, "creating token"),
        "token lookup": (TokenCommands.lookup, "looking up token"),
        "token renew": (TokenCommands.renew, "renewing token"),
        "token revoke": (TokenCommands.revoke, "revoking token"),
        "token capabilities": (TokenCommands.capabilities, "listing capabilities"),
        "lease lookup": (LeaseCommands.lookup, "looking up lease"),
        "lease renew": (LeaseCommands.renew, "renewing lease"),
        "lease revoke": (LeaseCommands.revoke, "revoking lease"),
        "secrets enable": (SystemCommands.enable(auth: false), "enabling secrets engine"),
        "secrets disable": (SystemCommands.disable(auth: false), "disabling secrets engine"),
        "secrets list": (SystemCommands.listMounts(auth: false), "listing secrets engines"),
        "secrets tune": (SystemCommands.tune(auth: false), "tuning secrets engine"),
        "secrets move": (SystemCommands.move, "moving secrets engine"),
        "auth enable": (SystemCommands.enable(auth: true), "enabling auth method"),
        "auth disable": (SystemCommands.disable(auth: true), "disabling auth method"),
        "auth list": (SystemCommands.listMounts(auth: true), "listing enabled auth methods"),
        "auth tune": (SystemCommands.tune(auth: true), "tuning auth method"),
        "policy write": (SystemCommands.policyWrite, "uploading policy"),
        "policy read": (SystemCommands.policyRead, "reading policy"),
        "policy list": (SystemCommands.policyList, "listing policies"),
        "policy delete": (SystemCommands.policyDelete, "deleting policy"),
        "audit enable": (SystemCommands.auditEnable, "enabling audit device"),
        "audit disable": (SystemCommands.auditDisable, "disabling audit device"),
        "audit list": (SystemCommands.auditList, "listing audit devices"),
        "audit verify": (AuditCommand.verify, "verifying audit device"),
    ]

    /// Runs the command in `arguments` (without the program name) and returns the exit code.
    public static func main(_ arguments: [String], environment: [String: String]) async -> Int32 {
        guard let command = arguments.first else {
            Output.error(usage)
            return 127
        }
        switch command {
        case "server": return await ServerCommand.run(Array(arguments.dropFirst()), environment: environment)
        case "agent": return await AgentCommand.run(Array(arguments.dropFirst()), environment: environment)
        case "version", "-version", "--version", "-v":
            Output.out("Coffer v\(CofferVersion.coffer) (Vault API \(CofferVersion.vaultCompatible))")
            return 0
        case "-h", "-help", "--help", "help":
            Output.out(usage)
            return 0
        case "operator" where arguments.dropFirst().first == "migrate":
            return await MigrateCommand.run(Array(arguments.dropFirst(2)))
        case "policy" where arguments.dropFirst().first == "fmt":
            return PolicyFormat.run(Array(arguments.dropFirst(2)))
        default:
            break
        }
        // The longest run of leading words that names a command ("kv metadata get").
        for length in stride(from: min(3, arguments.count), through: 1, by: -1) {
            let words = arguments.prefix(length).joined(separator: " ")
            if let (found, action) = commands[words] {
                return await found.execute(Array(arguments.dropFirst(length)), environment: environment, action: action)
            }
        }
        let group = commands.keys.filter { $0.hasPrefix(command + " ") }.sorted()
        if !group.isEmpty {
            Output.error("Usage: coffer \(command) <subcommand> [options]\n\nSubcommands:\n" + group.map { "    " + $0.dropFirst(command.count + 1) }.joined(separator: "\n"))
            return 1
        }
        Output.error("Unknown command: \(command)\n\n\(usage)")
        return 127
    }
}
