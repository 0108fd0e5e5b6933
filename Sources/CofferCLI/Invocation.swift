import CofferSDK
import Foundation

/// One run of a client command: its flags (the command's own plus Vault's shared HTTP and
/// output options), the environment, and stdin.
struct Invocation {
    static let sharedFlags: [String: GoFlags.Kind] = [
        "address": .string, "ca-cert": .string, "ca-path": .string, "tls-skip-verify": .bool, "tls-server-name": .string,
        "client-cert": .string, "client-key": .string, "wrap-ttl": .duration, "namespace": .string, "ns": .string,
        "format": .string, "field": .string, "non-interactive": .bool, "policy-override": .bool, "header": .repeated,
        "mfa": .repeated, "disable-redirects": .bool, "output-curl-string": .bool, "output-policy": .bool, "agent-address": .string,
        "h": .bool, "help": .bool,
    ]

    let environment: [String: String]
    let flags: GoFlags
    let readStdin: @Sendable () -> Data

    /// Parses `arguments` with the command's flags on top of the shared ones.
    init(_ arguments: [String], flags own: [String: GoFlags.Kind], environment: [String: String], stdin: @escaping @Sendable () -> Data) throws {
        var flags = GoFlags(Self.sharedFlags.merging(own) { _, mine in mine })
        do {
            try flags.parse(arguments)
        } catch {
            throw LocalError("\(error)")
        }
        self.flags = flags
        self.environment = environment
        self.readStdin = stdin
    }

    var arguments: [String] { flags.positional }
    var wantsHelp: Bool { flags.wantsHelp }

    var format: String { (flags.string("format") ?? environment["VAULT_FORMAT"] ?? "table").lowercased() }
    var field: String? { flags.string("field") }

    /// The API client from flags and the `VAULT_*` environment, with the token from
    /// `VAULT_TOKEN` or the token helper file `~/.vault-token`.
    func client(token overridden: String? = nil) throws -> APIClient {
        let address = flags.string("address") ?? environment["VAULT_ADDR"] ?? "https://127.0.0.1:8200"
        guard URL(string: address)?.scheme != nil else { throw LocalError("Error: invalid address \"\(address)\"") }
        let skip = flags.bool("tls-skip-verify") || ["1", "true", "t"].contains((environment["VAULT_SKIP_VERIFY"] ?? "").lowercased())
        return APIClient(
            address: address, token: overridden ?? Self.storedToken(environment),
            wrapTTL: flags.string("wrap-ttl") ?? environment["VAULT_WRAP_TTL"],
            caCert: flags.string("ca-cert") ?? environment["VAULT_CACERT"], skipVerify: skip
        )
    }

    static func storedToken(_ environment: [String: String]) -> String? {
        if let token = environment["VAULT_TOKEN"], !token.isEmpty { return token }
        guard let home = environment["HOME"], let data = FileManager.default.contents(atPath: home + "/.vault-token") else { return nil }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty ? nil : token
    }

    /// The data arguments after `skip` positional ones.
    func data(after skip: Int) throws -> JSONObject {
        try DataArguments.parse(Array(arguments.dropFirst(skip)), stdin: readStdin)
    }
}
