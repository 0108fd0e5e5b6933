@testable import CofferAgent
import CofferCrypto
import CofferSDK
import Foundation
import Testing

@Suite("Agent configuration")
struct AgentConfigTests {
    func parse(_ text: String, json: Bool = false) throws -> AgentConfig {
        try AgentConfig.parse(text, file: json ? "agent.json" : "agent.hcl", json: json)
    }

    func error(_ text: String, json: Bool = false) -> String? {
        do {
            _ = try parse(text, json: json)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test("the labelled block style from Vault's tutorials")
    func labelledStyle() throws {
        let config = try parse("""
            vault { address = "http://127.0.0.1:8200" }
            auto_auth {
              method "approle" {
                config = { role_id_file_path = "/r", secret_id_file_path = "/s", remove_secret_id_file_after_reading = false }
                min_backoff = "2s"
                max_backoff = "1m"
              }
              sink "file" { config = { path = "/vault/token", mode = 0600 } }
              sink "file" {
                wrap_ttl = "5m"
                config = { path = "/vault/wrapped" }
              }
            }
            template {
              source      = "/etc/vault/templates/db.env.tpl"
              destination = "/etc/secrets/db.env"
              command     = "kill -HUP $(pidof app)"
              perms       = "0640"
            }
            template_config { static_secret_render_interval = "10s" }
            cache { use_auto_auth_token = true }
            listener "tcp" {
              address = "127.0.0.1:8100"
              tls_disable = true
            }
            """)
        #expect(config.vault.address == "http://127.0.0.1:8200")
        let method = try #require(config.method)
        #expect(method.type == "approle" && method.mountPath == "auth/approle")
        #expect(method.config == ["role_id_file_path": "/r", "secret_id_file_path": "/s", "remove_secret_id_file_after_reading": "false"])
        #expect(method.minBackoff == 2 && method.maxBackoff == 60)
        #expect(method.location == "agent.hcl:3")
        #expect(config.sinks.map(\.path) == ["/vault/token", "/vault/wrapped"])
        #expect(config.sinks.map(\.mode) == [0o600, 0o640])
        #expect(config.sinks[1].wrapTTL == 300)
        #expect(config.templates.count == 1)
        #expect(config.templates[0].perms == 0o640)
        #expect(config.templates[0].command == "kill -HUP $(pidof app)")
        #expect(config.staticSecretRenderInterval == 10)
        #expect(config.useAutoAuthToken == .yes)
        #expect(config.listeners.map(\.address) == ["127.0.0.1:8100"])
    }

    @Test("the older type-attribute style and api_proxy force")
    func typeAttributeStyle() throws {
        let config = try parse("""
            exit_after_auth = true
            auto_auth {
              method {
                type = "jwt"
                mount_path = "auth/gitlab"
                config = {
                  path = "/ci/jwt"
                  role = "ci"
                }
              }
              sink {
                type = "file"
                config = { path = "/tmp/token" }
              }
            }
            api_proxy { use_auto_auth_token = "force" }
            """)
        #expect(config.method?.type == "jwt")
        #expect(config.method?.mountPath == "auth/gitlab")
        #expect(config.method?.config["role"] == "ci")
        #expect(config.sinks.map(\.path) == ["/tmp/token"])
        #expect(config.exitAfterAuth)
        #expect(config.useAutoAuthToken == .force)
    }

    @Test("JSON in both shapes")
    func json() throws {
        let labelled = try parse(#"""
            {"auto_auth": {"method": {"token_file": {"config": {"token_file_path": "/t"}}},
                           "sink": [{"file": {"config": {"path": "/a"}}}, {"file": {"config": {"path": "/b"}}}]},
             "template": [{"contents": "x", "destination": "/d"}]}
            """#, json: true)
        #expect(labelled.method?.type == "token_file")
        #expect(labelled.sinks.map(\.path) == ["/a", "/b"])
        #expect(labelled.templates.first?.contents == "x")
        let typed = try parse(#"{"auto_auth": {"method": [{"type": "kubernetes", "config": {"role": "app"}}]}}"#, json: true)
        #expect(typed.method?.type == "kubernetes")
    }

    @Test("mistakes are reported with the file and line")
    func errors() {
        #expect(error("auto_auth {\n  method \"ldap\" { config = {} }\n}") == "error in configuration agent.hcl:2: unknown auto_auth method \"ldap\"; coffer agent supports \"approle\", \"jwt\", \"kubernetes\", \"token_file\"")
        #expect(error("auto_auth {\n  method \"approle\" {\n    config = { secret_id_file_path = \"/s\" }\n  }\n}") == "error in configuration agent.hcl:3: auto_auth method \"approle\" needs config option \"role_id_file_path\"")
        #expect(error("auto_auth {\n  method \"approle\" { config = { role_id_file_path = \"/r\", bogus = 1 } }\n}") == "error in configuration agent.hcl:2: unknown approle option \"bogus\"")
        #expect(error("bogus = 1") == "error in configuration agent.hcl:1: unknown configuration key \"bogus\"")
        #expect(error("auto_auth {\n method \"token_file\" { config = { token_file_path = \"/t\" } }\n sink \"file\" { config = { mode = 0600 } }\n}")?.contains("agent.hcl:3: sink \"file\" needs config") == true)
        #expect(error("auto_auth {\n method \"token_file\" { config = { token_file_path = \"/t\" } }\n}\ntemplate {\n  destination = \"/x\"\n}")?.contains("agent.hcl:4: a template needs exactly one of source or contents") == true)
        #expect(error("listener \"tcp\" {\n address = \"127.0.0.1:8100\"\n}")?.contains("agent.hcl:1: coffer agent's listener speaks plain HTTP") == true)
        #expect(error("auto_auth {\n method {\n config = {}\n }\n}")?.contains("agent.hcl:2: method needs a type") == true)
        #expect(error("template {\n contents = \"x\"\n destination = \"/d\"\n}") == "error in configuration agent.hcl: templates need an auto_auth stanza to read secrets with")
        #expect(error("auto_auth {\n method \"token_file\" {\n config = { token_file_path = \"/t\" }\n min_backoff = \"soon\"\n }\n}")?.contains("agent.hcl:4:") == true)
        #expect(error("auto_auth { method \"x\" {") == "error parsing agent.hcl: line 1: missing closing '}'")
        #expect(error(#"{"auto_auth": {"method": {"ldap": {}}}}"#, json: true) == "error in configuration agent.json (key \"method\"): unknown auto_auth method \"ldap\"; coffer agent supports \"approle\", \"jwt\", \"kubernetes\", \"token_file\"")
    }

    @Test("a dh sink envelope opens with the reader's private key and the aad (and a derived key when asked), and not without", arguments: [false, true])
    func dhEnvelope(deriveKey: Bool) throws {
        let directory = NSTemporaryDirectory() + "coffer-dh-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (readerPrivate, readerPublic) = Curve25519.generateKeyPair()
        try #"{"curve25519_public_key":"\#(Base64.encode(readerPublic))"}"#.write(toFile: directory + "/dh.json", atomically: true, encoding: .utf8)
        let sealed = try DHEnvelope.seal(Array("hvs.secret-token".utf8), remotePublicKeyFile: directory + "/dh.json", aad: "my-aad", deriveKey: deriveKey, location: "t")
        let envelope = try #require(try JSONParser.parse(sealed).objectValue)
        #expect(envelope.keys.sorted() == ["curve25519_public_key", "encrypted_payload", "nonce"])
        let agentPublic = try #require(envelope["curve25519_public_key"]?.stringValue.flatMap(Base64.decode))
        let nonce = try #require(envelope["nonce"]?.stringValue.flatMap(Base64.decode))
        let payload = try #require(envelope["encrypted_payload"]?.stringValue.flatMap(Base64.decode))
        // The reader's side of the computation, written out independently of the agent's.
        let shared = try Curve25519.sharedSecret(privateKey: readerPrivate, publicKey: agentPublic)
        var key = shared
        if deriveKey {
            let (salt, info) = readerPublic.lexicographicallyPrecedes(agentPublic) ? (readerPublic, agentPublic) : (agentPublic, readerPublic)
            key = SecureBytes(copying: HKDF.sha256(secret: shared, salt: salt, info: info, length: 32))
        }
        #expect(AESGCM.open(payload, key: key, nonce: nonce, associatedData: Array("my-aad".utf8)) == Array("hvs.secret-token".utf8))
        #expect(AESGCM.open(payload, key: key, nonce: nonce, associatedData: Array("other".utf8)) == nil)
        let other = deriveKey ? shared : SecureBytes(copying: HKDF.sha256(secret: shared, salt: readerPublic, info: agentPublic, length: 32))
        #expect(AESGCM.open(payload, key: other, nonce: nonce, associatedData: Array("my-aad".utf8)) == nil)
        #expect(!String(decoding: sealed, as: UTF8.self).contains("secret-token"))
    }
}
