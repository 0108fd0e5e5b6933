import CofferCrypto
import CofferSDK
import CofferTesting
import Foundation
import Testing

/// `coffer agent` against a real `coffer server`: the seeds' flows end to end.
@Suite("coffer agent")
struct AgentTests {
    static func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    static func mode(_ path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? nil
    }

    static func lines(_ path: String) -> Int {
        read(path)?.split(separator: "\n").count ?? 0
    }

    /// A dev server with AppRole and a role `app` that may read `secret/data/app/*`.
    static func appRoleServer() async throws -> (ServerProcess, VaultHTTP) {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        try #require(try await root.write("sys/auth/approle", ["type": "approle"]).status == 204)
        try #require(try await root.write("sys/policies/acl/app", ["policy": #"path "secret/data/app/*" { capabilities = ["read"] } path "secret/metadata/app/*" { capabilities = ["list"] }"#]).status == 204)
        try #require(try await root.write("auth/approle/role/app", ["token_policies": "app", "token_ttl": "6s", "token_max_ttl": "1h"]).status == 204)
        try #require(try await root.write("secret/data/app/db", ["data": ["username": "app", "password": "hunter2"]]).status == 200)
        return (server, root)
    }

    static func writeAppRoleCredentials(_ root: VaultHTTP, into directory: String) async throws {
        let roleID = try #require(try await root.read("auth/approle/role/app/role-id").data?["role_id"]?.stringValue)
        let secretID = try #require(try await root.write("auth/approle/role/app/secret-id").data?["secret_id"]?.stringValue)
        try roleID.write(toFile: directory + "/role-id", atomically: true, encoding: .utf8)
        try (secretID + "\n").write(toFile: directory + "/secret-id", atomically: true, encoding: .utf8)
    }

    @Test("approle auto-auth: two sinks, a db.env template re-rendered when the secret changes, the app notified only on change, renewal, SIGTERM exits 0")
    func appRoleSinksAndTemplate() async throws {
        let (server, root) = try await Self.appRoleServer()
        let dir = try TemporaryDirectory.make("coffer-agent-")
        try await Self.writeAppRoleCredentials(root, into: dir)
        try """
            {{ with secret "secret/data/app/db" -}}
            DB_USER={{ .Data.data.username }}
            DB_PASS={{ .Data.data.password }}
            {{ end -}}
            """.write(toFile: dir + "/db.env.tpl", atomically: true, encoding: .utf8)
        try """
            vault { address = "\(server.address)" }
            auto_auth {
              method "approle" {
                config = {
                  role_id_file_path   = "\(dir)/role-id"
                  secret_id_file_path = "\(dir)/secret-id"
                }
              }
              sink "file" { config = { path = "\(dir)/token", mode = 0600 } }
              sink { 
                type = "file"
                config = { path = "\(dir)/token-copy" }
              }
            }
            template {
              source      = "\(dir)/db.env.tpl"
              destination = "\(dir)/secrets/db.env"
              perms       = "0640"
              command     = "echo reload >> \(dir)/notified"
            }
            template_config { static_secret_render_interval = "1s" }
            """.write(toFile: dir + "/agent.hcl", atomically: true, encoding: .utf8)
        let agent = try AgentProcess(configPath: dir + "/agent.hcl")

        #expect(await eventually(30) { Self.read(dir + "/secrets/db.env") == "DB_USER=app\nDB_PASS=hunter2\n" }, "\(agent.log)")
        let token = try #require(Self.read(dir + "/token"))
        #expect(!token.hasSuffix("\n") && token.hasPrefix("hvs."))
        #expect(Self.read(dir + "/token-copy") == token)
        #expect(Self.mode(dir + "/token") == 0o600)
        #expect(Self.mode(dir + "/token-copy") == 0o640)
        #expect(Self.mode(dir + "/secrets/db.env") == 0o640)
        #expect(!FileManager.default.fileExists(atPath: dir + "/secret-id"), "remove_secret_id_file_after_reading defaults to true")
        let client = VaultHTTP(address: server.address, token: token)
        #expect(try await client.read("auth/token/lookup-self").data?["policies"] == ["app", "default"])
        #expect(await eventually(10) { Self.lines(dir + "/notified") == 1 })

        // The secret changes: the file follows, and the app is told once.
        #expect(try await root.write("secret/data/app/db", ["data": ["username": "app", "password": "rotated"]]).status == 200)
        #expect(await eventually(15) { Self.read(dir + "/secrets/db.env") == "DB_USER=app\nDB_PASS=rotated\n" })
        #expect(await eventually(10) { Self.lines(dir + "/notified") == 2 })
        // Renders with the same output do not run the command again; the 6 s token is renewed
        // (same token in the sink) rather than replaced.
        try await Task.sleep(for: .seconds(8))
        #expect(Self.lines(dir + "/notified") == 2)
        #expect(Self.read(dir + "/token") == token)
        #expect(try await client.read("secret/data/app/db").status == 200, "the token was kept alive past its 6 s TTL")
        #expect(!agent.log.contains("hunter2") && !agent.log.contains("rotated") && !agent.log.contains(token))

        #expect(try await agent.stop() == 0)
        try await server.stop()
    }

    @Test("failed logins are retried with backoff until the credentials appear; a token at its max TTL is replaced by a new login")
    func backoffAndReauth() async throws {
        let (server, root) = try await Self.appRoleServer()
        #expect(try await root.write("auth/approle/role/app", ["token_policies": "app", "token_ttl": "3s", "token_max_ttl": "5s"]).status == 204)
        let dir = try TemporaryDirectory.make("coffer-agent-backoff-")
        try """
            vault { address = "\(server.address)" }
            auto_auth {
              method "approle" {
                min_backoff = "1s"
                max_backoff = "2s"
                config = { role_id_file_path = "\(dir)/role-id", secret_id_file_path = "\(dir)/secret-id" }
              }
              sink "file" { config = { path = "\(dir)/token" } }
            }
            """.write(toFile: dir + "/agent.hcl", atomically: true, encoding: .utf8)
        let agent = try AgentProcess(configPath: dir + "/agent.hcl")
        #expect(await eventually(10) { agent.log.components(separatedBy: "no such file").count > 2 }, "\(agent.log)")
        #expect(agent.isRunning, "without exit_on_err the agent keeps trying")
        try await Self.writeAppRoleCredentials(root, into: dir)
        #expect(await eventually(10) { Self.read(dir + "/token") != nil }, "\(agent.log)")
        let first = try #require(Self.read(dir + "/token"))
        // Renewed until the 5 s max TTL nears, then a new login (with the remembered secret ID).
        #expect(await eventually(15) { (Self.read(dir + "/token") ?? first) != first }, "\(agent.log)")
        let second = try #require(Self.read(dir + "/token"))
        #expect(try await VaultHTTP(address: server.address, token: second).read("secret/data/app/db").status == 200)
        #expect(try await agent.stop() == 0)
        try await server.stop()
    }

    @Test("a JWT-authenticated CI job exits after auth, with the token in its sink and the JWT file removed")
    func jwtExitAfterAuth() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        let key = try AsymmetricKey.generate(.rsa(bits: 2048))
        #expect(try await root.write("sys/auth/jwt", ["type": "jwt"]).status == 204)
        #expect(try await root.write("auth/jwt/config", ["jwt_validation_pubkeys": [.string(PEM.encode(try key.publicKeyDER(), label: "PUBLIC KEY"))]]).status == 204)
        #expect(try await root.write("sys/policies/acl/ci", ["policy": #"path "secret/data/ci/*" { capabilities = ["read"] }"#]).status == 204)
        #expect(try await root.write("auth/jwt/role/ci", ["role_type": "jwt", "user_claim": "sub", "bound_audiences": "coffer", "token_policies": "ci"]).status == 204)
        #expect(try await root.write("secret/data/ci/deploy", ["data": ["key": "deploy-key"]]).status == 200)

        func mint(_ subject: String) throws -> String {
            let now = Int64(Date().timeIntervalSince1970)
            let header = Base64URL.encode(JSONWriter.encode(["alg": "RS256", "typ": "JWT"]))
            let claims = Base64URL.encode(JSONWriter.encode(["sub": .string(subject), "aud": "coffer", "iat": .int(now), "exp": .int(now + 300)]))
            let signature = try key.sign(digest: Digest.sha256(Array("\(header).\(claims)".utf8)), hash: .sha2_256, padding: .pkcs1v15)
            return "\(header).\(claims).\(Base64URL.encode(signature))"
        }
        let dir = try TemporaryDirectory.make("coffer-agent-jwt-")
        try mint("pipeline-42").write(toFile: dir + "/jwt", atomically: true, encoding: .utf8)
        let config = """
            exit_after_auth = true
            vault { address = "\(server.address)" }
            auto_auth {
              method {
                type = "jwt"
                config = {
                  path = "\(dir)/jwt"
                  role = "ci"
                }
              }
              sink "file" { config = { path = "\(dir)/token" } }
            }
            template {
              contents    = "{{ with secret \\"secret/data/ci/deploy\\" }}{{ .Data.data.key }}{{ end }}"
              destination = "\(dir)/deploy-key"
            }
            """
        try config.write(toFile: dir + "/agent.hcl", atomically: true, encoding: .utf8)
        let agent = try AgentProcess(configPath: dir + "/agent.hcl")
        #expect(try await agent.waitForExit() == 0, "\(agent.log)")
        let token = try #require(Self.read(dir + "/token"))
        #expect(try await VaultHTTP(address: server.address, token: token).read("auth/token/lookup-self").data?["policies"] == ["ci", "default"])
        #expect(Self.read(dir + "/deploy-key") == "deploy-key")
        #expect(!FileManager.default.fileExists(atPath: dir + "/jwt"), "remove_jwt_after_reading defaults to true")

        // Without exit_after_auth, a new JWT in the file means a new login.
        try config.replacingOccurrences(of: "exit_after_auth = true", with: "").write(toFile: dir + "/agent.hcl", atomically: true, encoding: .utf8)
        try mint("pipeline-42").write(toFile: dir + "/jwt", atomically: true, encoding: .utf8)
        let running = try AgentProcess(configPath: dir + "/agent.hcl")
        #expect(await eventually(20) { !FileManager.default.fileExists(atPath: dir + "/jwt") && Self.read(dir + "/token") != token }, "\(running.log)")
        let firstRunning = try #require(Self.read(dir + "/token"))
        try mint("pipeline-43").write(toFile: dir + "/jwt", atomically: true, encoding: .utf8)
        #expect(await eventually(20) { (Self.read(dir + "/token") ?? firstRunning) != firstRunning }, "\(running.log)")
        let rotated = try #require(Self.read(dir + "/token"))
        #expect(try await VaultHTTP(address: server.address, token: rotated).read("auth/token/lookup-self").data?["display_name"] == "jwt-pipeline-43")
        #expect(try await running.stop() == 0)
        try await server.stop()
    }

    @Test("the API proxy lends its token to a client without one (true), or to every client (force), and never shows it")
    func apiProxy() async throws {
        let (server, root) = try await Self.appRoleServer()
        let dir = try TemporaryDirectory.make("coffer-agent-proxy-")
        try await Self.writeAppRoleCredentials(root, into: dir)
        for mode in ["true", "\"force\""] {
            try await Self.writeAppRoleCredentials(root, into: dir)
            try """
                vault { address = "\(server.address)" }
                auto_auth {
                  method "approle" {
                    config = { role_id_file_path = "\(dir)/role-id", secret_id_file_path = "\(dir)/secret-id" }
                  }
                }
                api_proxy { use_auto_auth_token = \(mode) }
                listener "tcp" {
                  address = "127.0.0.1:0"
                  tls_disable = true
                }
                """.write(toFile: dir + "/agent.hcl", atomically: true, encoding: .utf8)
            let agent = try AgentProcess(configPath: dir + "/agent.hcl")
            let proxy = VaultHTTP(address: try await agent.proxyAddress())
            #expect(try await eventually(20) { try await proxy.read("secret/data/app/db").status == 200 }, "\(agent.log)")
            #expect(try await proxy.read("secret/data/app/db").data?["data"] == ["username": "app", "password": "hunter2"])
            #expect(try await proxy.list("secret/metadata/app").data?["keys"] == ["db"], "the LIST verb goes through the proxy")
            let lookup = try await proxy.read("auth/token/lookup-self")
            #expect(lookup.status == 200)
            #expect(lookup.data?["policies"] == ["app", "default"])
            #expect(lookup.data?["id"] == nil, "the agent's token is not revealed")
            let renewed = try await proxy.write("auth/token/renew-self")
            #expect(renewed.status == 200)
            #expect(renewed.json?.objectValue?["auth"]?.objectValue?["client_token"] == nil)
            // A caller's own token: used as given with `true`, replaced with `force`.
            let own = VaultHTTP(address: proxy.address, token: "root")
            let ownLookup = try await own.read("auth/token/lookup-self")
            if mode == "true" {
                #expect(ownLookup.data?["id"] == "root")
                #expect(try await VaultHTTP(address: proxy.address, token: "bogus").read("secret/data/app/db").status == 403)
            } else {
                #expect(ownLookup.data?["policies"] == ["app", "default"])
                #expect(try await VaultHTTP(address: proxy.address, token: "bogus").read("secret/data/app/db").status == 200)
            }
            #expect(try await agent.stop() == 0)
        }
        try await server.stop()
    }

    @Test("kubernetes auto-auth reads the service-account token file and leaves it in place")
    func kubernetes() async throws {
        let standIn = try await KubernetesStandIn.start()
        defer { standIn.stop() }
        let (server, _) = try await KubernetesAuthTests.setup(standIn)
        let dir = try TemporaryDirectory.make("coffer-agent-k8s-")
        let serviceAccountToken = try await standIn.mint("app", namespace: "default", audiences: ["vault"])
        try serviceAccountToken.write(toFile: dir + "/sa-token", atomically: true, encoding: .utf8)
        try """
            exit_after_auth = true
            vault { address = "\(server.address)" }
            auto_auth {
              method "kubernetes" {
                config = {
                  role       = "app"
                  token_path = "\(dir)/sa-token"
                }
              }
              sink "file" { config = { path = "\(dir)/token" } }
            }
            """.write(toFile: dir + "/agent.hcl", atomically: true, encoding: .utf8)
        let agent = try AgentProcess(configPath: dir + "/agent.hcl")
        #expect(try await agent.waitForExit() == 0, "\(agent.log)")
        let token = try #require(Self.read(dir + "/token"))
        #expect(try await VaultHTTP(address: server.address, token: token).read("secret/data/app/db").data?["data"] == ["password": "hunter2"])
        #expect(FileManager.default.fileExists(atPath: dir + "/sa-token"))
        try await server.stop()
    }

    @Test("a response-wrapped secret ID is unwrapped when it was created at secret_id_response_wrapping_path, and refused otherwise")
    func wrappedSecretID() async throws {
        let (server, root) = try await Self.appRoleServer()
        let dir = try TemporaryDirectory.make("coffer-agent-wrapped-secret-")
        try await Self.writeAppRoleCredentials(root, into: dir)
        for (path, expected) in [("auth/approle/role/app/secret-id", Int32(0)), ("auth/approle/role/other/secret-id", 1)] {
            let wrapped = try await root.request("POST", "auth/approle/role/app/secret-id", body: [:], headers: ["X-Vault-Wrap-TTL": "60s"])
            let wrappingToken = try #require(wrapped.json?.objectValue?["wrap_info"]?.objectValue?["token"]?.stringValue)
            try wrappingToken.write(toFile: dir + "/secret-id", atomically: true, encoding: .utf8)
            try? FileManager.default.removeItem(atPath: dir + "/token")
            try """
                exit_after_auth = true
                vault { address = "\(server.address)" }
                auto_auth {
                  method "approle" {
                    exit_on_err = true
                    config = {
                      role_id_file_path = "\(dir)/role-id"
                      secret_id_file_path = "\(dir)/secret-id"
                      secret_id_response_wrapping_path = "\(path)"
                    }
                  }
                  sink "file" { config = { path = "\(dir)/token" } }
                }
                """.write(toFile: dir + "/agent.hcl", atomically: true, encoding: .utf8)
            let agent = try AgentProcess(configPath: dir + "/agent.hcl")
            #expect(try await agent.waitForExit() == expected, "\(agent.log)")
            if expected == 0 {
                let token = try #require(Self.read(dir + "/token"))
                #expect(try await VaultHTTP(address: server.address, token: token).read("secret/data/app/db").status == 200)
            } else {
                #expect(agent.log.contains("not at secret_id_response_wrapping_path"), "\(agent.log)")
                #expect(Self.read(dir + "/token") == nil)
            }
        }
        try await server.stop()
    }

    @Test("a wrapping sink holds wrap info that unwraps to the token, a dh sink the token encrypted for its reader; token_file auth")
    func wrapTTLSink() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        let created = try await root.write("auth/token/create", ["policies": ["default"], "ttl": "1h"])
        let token = try #require(created.json?.objectValue?["auth"]?.objectValue?["client_token"]?.stringValue)
        let dir = try TemporaryDirectory.make("coffer-agent-wrap-")
        try token.write(toFile: dir + "/token-in", atomically: true, encoding: .utf8)
        try """
            exit_after_auth = true
            vault { address = "\(server.address)" }
            auto_auth {
              method "token_file" { config = { token_file_path = "\(dir)/token-in" } }
              sink "file" {
                wrap_ttl = "5m"
                config = { path = "\(dir)/wrapped" }
              }
              sink "file" { config = { path = "\(dir)/plain" } }
              sink "file" {
                dh_type    = "curve25519"
                dh_path    = "\(dir)/reader.json"
                derive_key = true
                aad        = "app-1"
                config     = { path = "\(dir)/encrypted" }
              }
            }
            """.write(toFile: dir + "/agent.hcl", atomically: true, encoding: .utf8)
        let (readerPrivate, readerPublic) = Curve25519.generateKeyPair()
        try JSONWriter.string(["curve25519_public_key": .string(Base64.encode(readerPublic))]).write(toFile: dir + "/reader.json", atomically: true, encoding: .utf8)
        let agent = try AgentProcess(configPath: dir + "/agent.hcl")
        #expect(try await agent.waitForExit() == 0, "\(agent.log)")
        #expect(Self.read(dir + "/plain") == token)
        let envelope = try #require(try JSONParser.parse(Self.read(dir + "/encrypted") ?? "").objectValue)
        let agentPublic = try #require(envelope["curve25519_public_key"]?.stringValue.flatMap(Base64.decode))
        let shared = try Curve25519.sharedSecret(privateKey: readerPrivate, publicKey: agentPublic)
        let (salt, info) = readerPublic.lexicographicallyPrecedes(agentPublic) ? (readerPublic, agentPublic) : (agentPublic, readerPublic)
        let opened = AESGCM.open(
            try #require(envelope["encrypted_payload"]?.stringValue.flatMap(Base64.decode)),
            key: SecureBytes(copying: HKDF.sha256(secret: shared, salt: salt, info: info, length: 32)),
            nonce: try #require(envelope["nonce"]?.stringValue.flatMap(Base64.decode)), associatedData: Array("app-1".utf8)
        )
        #expect(opened == Array(token.utf8), "the encrypted sink opens to the token")
        let wrapInfo = try #require(try JSONParser.parse(Self.read(dir + "/wrapped") ?? "").objectValue)
        #expect(wrapInfo["ttl"] == 300)
        let wrappingToken = try #require(wrapInfo["token"]?.stringValue)
        #expect(wrappingToken != token)
        let unwrapped = try await VaultHTTP(address: server.address, token: wrappingToken).write("sys/wrapping/unwrap")
        #expect(unwrapped.data?["token"]?.stringValue == token)
        try await server.stop()
    }

    @Test("errors name the file and line; exit_on_err and exit_on_retry_failure stop the agent with status 1; SIGHUP reloads templates")
    func errorsAndReload() async throws {
        let dir = try TemporaryDirectory.make("coffer-agent-errors-")
        try "auto_auth {\n  method \"ldap\" {}\n}\n".write(toFile: dir + "/bad.hcl", atomically: true, encoding: .utf8)
        let bad = try runCoffer(["agent", "-config=\(dir)/bad.hcl"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("\(dir)/bad.hcl:2: unknown auto_auth method \"ldap\""))

        let (server, root) = try await Self.appRoleServer()
        // A missing role ID file with exit_on_err.
        try """
            vault { address = "\(server.address)" }
            auto_auth {
              method "approle" {
                exit_on_err = true
                config = { role_id_file_path = "\(dir)/missing-role-id" }
              }
            }
            """.write(toFile: dir + "/missing.hcl", atomically: true, encoding: .utf8)
        let missing = try AgentProcess(configPath: dir + "/missing.hcl")
        #expect(try await missing.waitForExit() == 1)
        #expect(missing.log.contains("\(dir)/missing.hcl:3: role_id_file_path \(dir)/missing-role-id: no such file"), "\(missing.log)")

        // Permission denied on a secret, and a template syntax error, each with the template's name.
        try await Self.writeAppRoleCredentials(root, into: dir)
        try "# generated\n{{ with secret \"secret/data/other\" }}{{ .Data.data.x }}{{ end }}".write(toFile: dir + "/denied.tpl", atomically: true, encoding: .utf8)
        try "line one\n{{ if true }}\n".write(toFile: dir + "/broken.tpl", atomically: true, encoding: .utf8)
        for (source, expected) in [("denied.tpl", "template: \(dir)/denied.tpl:2: error fetching secret/data/other: GET secret/data/other: Code: 403. Errors: * permission denied"), ("broken.tpl", "template: \(dir)/broken.tpl:3: unexpected EOF")] {
            try await Self.writeAppRoleCredentials(root, into: dir)
            try """
                vault {
                  address = "\(server.address)"
                  retry { num_retries = 1 }
                }
                auto_auth {
                  method "approle" { config = { role_id_file_path = "\(dir)/role-id", secret_id_file_path = "\(dir)/secret-id" } }
                }
                template {
                  source      = "\(dir)/\(source)"
                  destination = "\(dir)/out"
                }
                template_config { exit_on_retry_failure = true }
                """.write(toFile: dir + "/template.hcl", atomically: true, encoding: .utf8)
            let agent = try AgentProcess(configPath: dir + "/template.hcl")
            #expect(try await agent.waitForExit() == 1)
            #expect(agent.log.contains(expected), "\(agent.log)")
        }

        // SIGHUP: an edited template source is read again.
        try await Self.writeAppRoleCredentials(root, into: dir)
        try "v1 {{ with secret \"secret/data/app/db\" }}{{ .Data.data.username }}{{ end }}".write(toFile: dir + "/live.tpl", atomically: true, encoding: .utf8)
        try """
            vault { address = "\(server.address)" }
            auto_auth {
              method "approle" { config = { role_id_file_path = "\(dir)/role-id", secret_id_file_path = "\(dir)/secret-id" } }
            }
            template {
              source      = "\(dir)/live.tpl"
              destination = "\(dir)/live.out"
            }
            """.write(toFile: dir + "/live.hcl", atomically: true, encoding: .utf8)
        let live = try AgentProcess(configPath: dir + "/live.hcl")
        #expect(await eventually(20) { Self.read(dir + "/live.out") == "v1 app" }, "\(live.log)")
        try "v2 {{ range secrets \"secret/metadata/app/\" }}[{{ . }}]{{ end }} {{ with secret \"secret/data/app/db\" }}{{ .Data.data.password }}{{ end }}".write(toFile: dir + "/live.tpl", atomically: true, encoding: .utf8)
        live.send(SIGHUP)
        #expect(await eventually(10) { Self.read(dir + "/live.out") == "v2 [db] hunter2" }, "\(live.log)")
        #expect(try await live.stop() == 0)
        try await server.stop()
    }

    @Test(
        "database credentials are fetched again before their lease ends, the file re-rendered and the app notified",
        .enabled(if: TestPostgres.available, "no COFFER_TEST_POSTGRES_URL; run scripts/test")
    )
    func databaseCredsRotation() async throws {
        let pg = try TestPostgres()
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        try await DatabaseTests.setUp(root, pg)
        #expect(try await root.write("database/roles/agent-reader", [
            "db_name": "pg", "creation_statements": DatabaseTests.readerStatements, "default_ttl": "6s", "max_ttl": "1h",
        ]).status == 204)
        let dir = try TemporaryDirectory.make("coffer-agent-db-")
        try "root".write(toFile: dir + "/root-token", atomically: true, encoding: .utf8)
        try """
            {{- with secret "database/creds/agent-reader" -}}
            PGUSER={{ .Data.username }}
            PGPASSWORD={{ .Data.password }}
            {{ end -}}
            """.write(toFile: dir + "/db.env.tpl", atomically: true, encoding: .utf8)
        try """
            vault { address = "\(server.address)" }
            auto_auth {
              method "token_file" { config = { token_file_path = "\(dir)/root-token" } }
            }
            template {
              source      = "\(dir)/db.env.tpl"
              destination = "\(dir)/db.env"
              exec { command = ["/bin/sh", "-c", "echo rotated >> \(dir)/notified"] }
            }
            """.write(toFile: dir + "/agent.hcl", atomically: true, encoding: .utf8)
        let agent = try AgentProcess(configPath: dir + "/agent.hcl")
        func credentials() -> (String, String)? {
            guard let text = Self.read(dir + "/db.env") else { return nil }
            var values = [String: String]()
            for line in text.split(separator: "\n") {
                let parts = line.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
            }
            guard let user = values["PGUSER"], let password = values["PGPASSWORD"] else { return nil }
            return (user, password)
        }
        #expect(await eventually(30) { credentials() != nil }, "\(agent.log)")
        let (firstUser, firstPassword) = try #require(credentials())
        #expect(try pg.canLogIn(firstUser, firstPassword))
        #expect(await eventually(15) { credentials().map { $0.0 != firstUser } ?? false }, "\(agent.log)")
        let (secondUser, secondPassword) = try #require(credentials())
        #expect(try pg.canLogIn(secondUser, secondPassword), "the new credentials work")
        #expect(Self.lines(dir + "/notified") >= 2)
        #expect(!agent.log.contains(firstPassword) && !agent.log.contains(secondPassword))
        #expect(try await agent.stop() == 0)
        try await server.stop()
    }
}
