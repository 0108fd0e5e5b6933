import CofferSDK
import CofferTesting
import Foundation
import Testing

/// Runs a shell script with the coffer binary (and a `vault` symlink to it) on PATH.
func runShell(_ script: String, environment: [String: String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let bin = try TemporaryDirectory.make("coffer-bin-")
    try? FileManager.default.createSymbolicLink(atPath: bin + "/coffer", withDestinationPath: CofferBinary.path)
    try? FileManager.default.createSymbolicLink(atPath: bin + "/vault", withDestinationPath: CofferBinary.path)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", script]
    var env = ProcessInfo.processInfo.environment
    env.removeValue(forKey: "VAULT_TOKEN")
    env["PATH"] = bin + ":" + (env["PATH"] ?? "/usr/bin:/bin")
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}

@Suite("The command line against a dev server")
struct CLITests {
    @Test("every command block of docs/tutorial.md runs as written")
    func tutorial() async throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/tutorial.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        var blocks = [String]()
        var current: [String]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```sh") {
                current = []
            } else if line.hasPrefix("```"), let body = current {
                blocks.append(body.joined(separator: "\n"))
                current = nil
            } else if current != nil {
                current!.append(String(line))
            }
        }
        let script = blocks.filter { !$0.contains("# (server)") }.joined(separator: "\n")
        #expect(script.contains("coffer kv put") && script.contains("-wrap-ttl=5m") && script.contains("lease revoke -prefix"))

        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let home = try TemporaryDirectory.make("coffer-cli-home-")
        defer { try? FileManager.default.removeItem(atPath: home) }
        let result = try runShell("set -euo pipefail\n" + script, environment: ["VAULT_ADDR": server.address, "HOME": home])
        #expect(result.status == 0, "tutorial failed: \(result.stderr)")
        #expect(result.stdout.contains("s3cr3t"))
        #expect(result.stdout.contains("abc123"), "the batch token reads the secret")
        #expect(result.stdout.contains("denied, as it should be"))
        #expect(result.stderr.contains("Code: 403"))
        #expect(result.stdout.contains("already unwrapped"))
        #expect(result.stderr.contains("wrapping token is not valid or does not exist"))
        #expect(result.stdout.contains("Success! Revoked any leases with prefix: auth/token/create"))
        #expect(result.stdout.contains("Audit chain intact"))
        #expect(result.stdout.contains("ref_protected:true"), "the JWT role written from a heredoc reads back")
        let audit = (try? String(contentsOfFile: home + "/coffer-audit.log", encoding: .utf8)) ?? ""
        #expect(!audit.isEmpty && !audit.contains("s3cr3t"))
        try await server.stop()
    }

    @Test("operator, secrets, auth, policy, token, lease and kv commands; formats, fields and exit codes")
    func commands() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let home = try TemporaryDirectory.make("coffer-cli-home-")
        defer { try? FileManager.default.removeItem(atPath: home) }
        let env = ["VAULT_ADDR": server.address, "HOME": home, "VAULT_TOKEN": "root"]
        func sh(_ script: String) throws -> (status: Int32, stdout: String, stderr: String) { try runShell(script, environment: env) }

        #expect(try sh("vault version").stdout.hasPrefix("Coffer v"), "the binary answers to the name vault")
        #expect(try sh("coffer status").status == 0)
        let statusJSON = try sh("coffer status -format=json")
        #expect((try? JSONParser.parse(statusJSON.stdout))?.objectValue?["sealed"] == false)

        // Generic path commands and data arguments.
        try "{\"a\": \"from-file\"}".write(toFile: home + "/data.json", atomically: true, encoding: .utf8)
        try "file-contents".write(toFile: home + "/value.txt", atomically: true, encoding: .utf8)
        #expect(try sh("coffer secrets enable -path=kv1 -version=1 kv").status == 0)
        #expect(try sh("coffer write kv1/a @\(home)/data.json").status == 0)
        #expect(try sh("coffer write kv1/b v=@\(home)/value.txt").status == 0)
        #expect(try sh("echo -n piped | coffer write kv1/c v=-").status == 0)
        #expect(try sh("echo '{\"x\":\"y\"}' | coffer write kv1/d -").status == 0)
        #expect(try sh("coffer read -field=a kv1/a").stdout == "from-file")
        #expect(try sh("coffer read -field=v kv1/b").stdout == "file-contents")
        #expect(try sh("coffer read -field=v kv1/c").stdout == "piped")
        #expect(try sh("coffer read -format=yaml kv1/d").stdout.contains("x: y"))
        #expect(try sh("coffer list kv1").stdout.contains("a\nb\nc\nd"))
        #expect(try sh("coffer list -format=json kv1").stdout.contains("\"a\""))
        #expect(try sh("coffer delete kv1/a").status == 0)
        #expect(try sh("coffer read kv1/a").status == 2)
        #expect(try sh("coffer write kv1/empty").status == 1, "no data and no -force is a local error")
        let denied = try runShell("coffer read kv1/b", environment: env.merging(["VAULT_TOKEN": "bad"]) { _, b in b })
        #expect(denied.status == 2)
        #expect(denied.stderr.contains("Code: 403. Errors:\n\n* permission denied"))
        #expect(try sh("coffer read").status == 1)
        #expect(try sh("coffer nonsense").status == 127)

        // kv on a version 2 mount, both path forms.
        #expect(try sh("coffer kv put -mount=secret app/db password=one").status == 0)
        #expect(try sh("coffer kv put secret/app/db password=two").status == 0)
        #expect(try sh("coffer kv get -version=1 -field=password secret/app/db").stdout == "one")
        #expect(try sh("coffer kv patch secret/app/db user=ci").status == 0)
        #expect(try sh("coffer kv get -field=user -mount=secret app/db").stdout == "ci")
        #expect(try sh("coffer kv put -cas=1 secret/app/db password=x").status == 2)
        #expect(try sh("coffer kv delete secret/app/db").status == 0)
        #expect(try sh("coffer kv get secret/app/db").status == 2)
        #expect(try sh("coffer kv undelete -versions=3 secret/app/db").status == 0)
        #expect(try sh("coffer kv get -field=user secret/app/db").stdout == "ci")
        #expect(try sh("coffer kv destroy -versions=1 secret/app/db").status == 0)
        #expect(try sh("coffer kv metadata put -max-versions=5 -custom-metadata=owner=ci secret/app/db").status == 0)
        let metadata = try sh("coffer kv metadata get -format=json secret/app/db")
        #expect(metadata.stdout.contains("\"max_versions\": 5") && metadata.stdout.contains("\"owner\": \"ci\""))
        #expect(try sh("coffer kv list secret/app").stdout.contains("db"))
        #expect(try sh("coffer kv metadata delete secret/app/db").status == 0)
        #expect(try sh("coffer kv put kv1/plain k=v && coffer kv get -field=k kv1/plain").stdout.hasSuffix("v"))

        // Secrets engines and auth methods.
        #expect(try sh("coffer secrets tune -default-lease-ttl=1h kv1").status == 0)
        #expect(try sh("coffer secrets move kv1 kv2").status == 0)
        #expect(try sh("coffer secrets list").stdout.contains("kv2/"))
        #expect(try sh("coffer secrets disable kv2").status == 0)
        #expect(try sh("coffer auth enable approle").status == 0)
        #expect(try sh("coffer auth list").stdout.contains("approle/"))
        #expect(try sh("coffer auth tune -max-lease-ttl=2h approle").status == 0)

        // Policies, including fmt.
        try "path \"secret/data/app/*\" {\ncapabilities = [\"read\",\"list\"]\n}\n".write(toFile: home + "/app.hcl", atomically: true, encoding: .utf8)
        #expect(try sh("coffer policy fmt \(home)/app.hcl").status == 0)
        #expect(try String(contentsOfFile: home + "/app.hcl", encoding: .utf8).contains("  capabilities = [\"read\", \"list\"]"))
        #expect(try sh("coffer policy write app \(home)/app.hcl").status == 0)
        #expect(try sh("coffer policy list").stdout.contains("app"))
        #expect(try sh("coffer policy read app").stdout.contains("secret/data/app/*"))

        // Tokens and leases; login by AppRole.
        let token = try sh("coffer token create -policy=app -ttl=1h -field=token").stdout
        #expect(token.hasPrefix("hvs."))
        #expect(try sh("coffer token capabilities \(token) secret/data/app/x").stdout.contains("list, read"))
        #expect(try sh("coffer token lookup \(token)").stdout.contains("policies"))
        #expect(try sh("coffer token renew -increment=30m \(token)").stdout.contains("token_duration"))
        let leases = try sh("coffer list -format=json sys/leases/lookup/auth/token/create")
        let lease = try #require((try? JSONParser.parse(leases.stdout))?.arrayValue?.first?.stringValue)
        #expect(try sh("coffer lease lookup auth/token/create/\(lease)").stdout.contains("expire_time"))
        #expect(try sh("coffer lease renew -increment=10m auth/token/create/\(lease)").status == 0)
        #expect(try sh("coffer token revoke \(token)").status == 0)
        #expect(try sh("coffer token lookup \(token)").status == 2)
        #expect(try sh("coffer write auth/approle/role/ci token_policies=app").status == 0)
        let roleID = try sh("coffer read -field=role_id auth/approle/role/ci/role-id").stdout
        let secretID = try sh("coffer write -f -field=secret_id auth/approle/role/ci/secret-id").stdout
        let login = try runShell("coffer login -method=approle role_id=\(roleID) secret_id=\(secretID)", environment: env.merging(["VAULT_TOKEN": ""]) { _, b in b })
        #expect(login.status == 0, "\(login.stderr)")
        #expect(login.stdout.contains("token_meta_role_name"))
        let stored = try String(contentsOfFile: home + "/.vault-token", encoding: .utf8)
        #expect(stored.hasPrefix("hvs."))

        // The remaining verbs, and VAULT_WRAP_TTL from the environment.
        #expect(try sh("coffer kv put secret/p a=1 && coffer patch secret/data/p data=ignored").status == 2, "generic patch without merge-patch fields is refused by KV")
        #expect(try sh("coffer write secret/data/q data=x").status == 2, "data must be an object")
        #expect(try sh("echo '{\"data\":{\"b\":\"2\"}}' | coffer patch secret/data/p -").status == 0)
        #expect(try sh("coffer kv get -field=b secret/p").stdout == "2")
        let wrapped = try runShell("coffer kv get -format=json secret/p", environment: env.merging(["VAULT_WRAP_TTL": "60"]) { _, b in b })
        #expect(wrapped.stdout.contains("\"wrap_info\""), "VAULT_WRAP_TTL wraps every request")
        #expect(try sh("coffer audit enable -path=a2 file file_path=\(home)/a2.log && coffer audit disable a2").status == 0)
        #expect(try sh("coffer audit list").stdout.contains("No audit devices"))
        #expect(try sh("coffer policy delete app").status == 0)
        #expect(!(try sh("coffer policy list").stdout.contains("app")))
        #expect(try sh("coffer auth disable approle").status == 0)
        #expect(!(try sh("coffer auth list").stdout.contains("approle/")))

        // Operator commands.
        #expect(try sh("coffer operator key-status").stdout.contains("Key Term"))
        #expect(try sh("coffer operator rotate").stdout.contains("Key Term"))
        #expect(try sh("coffer operator seal").status == 0)
        #expect(try sh("coffer status").status == 2, "sealed")
        #expect(try sh("coffer operator unseal \(server.unsealKey ?? "")").status == 0)
        #expect(try sh("coffer status").status == 0)
        try await server.stop()
    }

    @Test("operator init and unseal against a fresh server")
    func operatorInit() async throws {
        let directory = try TemporaryDirectory.make("coffer-cli-init-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "storage \"inmem\" {}\nlistener \"tcp\" {\n  address = \"127.0.0.1:0\"\n  tls_disable = true\n}\n".write(toFile: directory + "/s.hcl", atomically: true, encoding: .utf8)
        let server = try await ServerProcess.start(configPath: directory + "/s.hcl")
        let env = ["VAULT_ADDR": server.address, "HOME": directory]
        let initialised = try runShell("coffer operator init -key-shares=3 -key-threshold=2 -format=json", environment: env)
        #expect(initialised.status == 0, "\(initialised.stderr)")
        let object = try #require((try? JSONParser.parse(initialised.stdout))?.objectValue)
        let keys = object["unseal_keys_b64"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(keys.count == 3 && object["unseal_keys_hex"]?.arrayValue?.count == 3)
        #expect(object["root_token"]?.stringValue?.hasPrefix("hvs.") == true)
        #expect(try runShell("coffer status", environment: env).status == 2)
        #expect(try runShell("coffer operator unseal \(keys[0]) && coffer operator unseal \(keys[2])", environment: env).status == 0)
        #expect(try runShell("coffer status", environment: env).status == 0)
        try await server.stop()
    }
}
