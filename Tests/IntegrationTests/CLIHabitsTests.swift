import CofferSDK
import CofferTesting
import Foundation
import Testing

/// The command line as Vault users type it: files that are pipes, warnings they must see, and a
/// dev server that does not clobber another's token.
@Suite("Command-line habits")
struct CLIHabitsTests {
    @Test("@file reads pipes, FIFOs and process substitution; @- and - read stdin")
    func filesThatArePipes() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let home = try TemporaryDirectory.make("coffer-cli-home-")
        defer { try? FileManager.default.removeItem(atPath: home) }
        let env = ["VAULT_ADDR": server.address, "HOME": home, "VAULT_TOKEN": "root"]
        func sh(_ script: String) throws -> (status: Int32, stdout: String, stderr: String) { try runShell(script, environment: env) }

        let substituted = try sh("coffer write cubbyhole/a secret=@<(printf from-a-pipe)")
        #expect(substituted.status == 0, "\(substituted.stderr)")
        #expect(try sh("coffer read -field=secret cubbyhole/a").stdout == "from-a-pipe")
        #expect(try sh("coffer write cubbyhole/b @<(echo '{\"k\":\"json-from-a-pipe\"}')").status == 0)
        #expect(try sh("coffer read -field=k cubbyhole/b").stdout == "json-from-a-pipe")
        #expect(try sh("mkfifo \(home)/fifo; (printf through-a-fifo > \(home)/fifo &); coffer write cubbyhole/c v=@\(home)/fifo").status == 0)
        #expect(try sh("coffer read -field=v cubbyhole/c").stdout == "through-a-fifo")
        #expect(try sh("printf from-stdin | coffer write cubbyhole/d v=@-").status == 0)
        #expect(try sh("coffer read -field=v cubbyhole/d").stdout == "from-stdin")
        #expect(try sh("echo '{\"k\":\"v\"}' | coffer write cubbyhole/e @-").status == 0)
        #expect(try sh(#"coffer policy write piped <(printf 'path "a/*" { capabilities = ["read"] }')"#).status == 0)
        #expect(try sh("coffer policy read piped").stdout.contains("a/*"))
        let missing = try sh("coffer write cubbyhole/f v=@\(home)/nope")
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("no such file"))
        try await server.stop()
    }

    @Test("table output shows the server's warnings, as Vault's does")
    func warnings() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let home = try TemporaryDirectory.make("coffer-cli-home-")
        defer { try? FileManager.default.removeItem(atPath: home) }
        let env = ["VAULT_ADDR": server.address, "HOME": home, "VAULT_TOKEN": "root"]
        let misspelt = try runShell("coffer auth enable approle && coffer write auth/approle/role/ci token_polices=ci", environment: env)
        #expect(misspelt.status == 0)
        #expect(misspelt.stderr.contains("WARNING! The following warnings were returned from Vault:"))
        #expect(misspelt.stderr.contains("  * Endpoint ignored these unrecognized parameters: [token_polices]"))
        #expect(misspelt.stdout.contains("Success! Data written to: auth/approle/role/ci"))
        // A token that may not see the path gets Vault's preflight message naming it.
        let nobody = try runShell("VAULT_TOKEN=$(coffer token create -policy=default -field=token) coffer kv get secret/team/app", environment: env)
        #expect(nobody.status == 2)
        #expect(nobody.stderr.contains(#"preflight capability check returned 403, please ensure client's policies grant access to path "secret/team/app/""#), "\(nobody.stderr)")
        // Flag values are checked before any request is made.
        for command in ["coffer token create -ttl=15x", "coffer token create -period 5y", "coffer write -wrap-ttl=soon sys/wrapping/wrap a=b", "coffer secrets tune -max-lease-ttl=1w secret/"] {
            let bad = try runShell(command, environment: env)
            #expect(bad.status == 1, "\(command)")
            #expect(bad.stderr.contains("invalid value"), "\(command): \(bad.stderr)")
        }
        #expect(try runShell("coffer token create -ttl=15m -field=token", environment: env).status == 0)
        let json = try runShell("coffer write -format=json auth/approle/role/ci token_polices=ci", environment: env)
        #expect(!json.stderr.contains("WARNING!"), "JSON output carries the warnings in the document itself")
        try await server.stop()
    }

    @Test("v1-style paths on a v2 mount get Vault's hint; table output prints durations and n/a as Vault's does")
    func hintsAndTables() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let home = try TemporaryDirectory.make("coffer-cli-home-")
        defer { try? FileManager.default.removeItem(atPath: home) }
        let env = ["VAULT_ADDR": server.address, "HOME": home, "VAULT_TOKEN": "root"]
        for (command, verb) in [("coffer read secret/foo", "get"), ("coffer write secret/foo a=b", "put"), ("coffer list secret/", "list"), ("coffer delete secret/foo", "delete")] {
            let result = try runShell(command, environment: env)
            #expect(result.status == 2, "\(command)")
            #expect(result.stderr.contains("Invalid path for a versioned K/V secrets engine."), "\(command): \(result.stderr)")
            #expect(result.stderr.contains("use 'vault kv \(verb)' for this operation"), "\(command): \(result.stderr)")
        }
        #expect(try runShell("coffer kv put secret/foo a=b", environment: env).status == 0, "the kv form still works")

        let tune = try runShell("coffer read sys/mounts/secret/tune", environment: env).stdout
        #expect(tune.contains("default_lease_ttl    768h"), "\(tune)")
        let lookup = try runShell("coffer token lookup $(coffer token create -ttl=15m -field=token)", environment: env).stdout
        #expect(lookup.contains("creation_ttl        15m"), "\(lookup)")
        #expect(lookup.range(of: #"ttl\s+1[45]m"#, options: .regularExpression) != nil, "\(lookup)")
        #expect(lookup.contains("entity_id           n/a"), "\(lookup)")
        try await server.stop()
    }

    @Test("a dev server that cannot bind leaves the running one's token in ~/.vault-token")
    func devTokenFile() async throws {
        let home = try TemporaryDirectory.make("coffer-cli-home-")
        defer { try? FileManager.default.removeItem(atPath: home) }
        let first = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=first"], environment: ["HOME": home])
        // ServerProcess gives each server a home of its own unless told; this one shares.
        let written = try String(contentsOfFile: home + "/.vault-token", encoding: .utf8)
        #expect(written == "first")
        let address = first.address.replacingOccurrences(of: "http://", with: "")
        let second = try runCoffer(["server", "-dev", "-dev-root-token-id=second", "-dev-listen-address=\(address)"], environment: ["HOME": home])
        #expect(second.status != 0)
        #expect(try String(contentsOfFile: home + "/.vault-token", encoding: .utf8) == "first")
        try await first.stop()
    }
}
