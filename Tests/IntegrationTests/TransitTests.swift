import CofferSDK
import CofferTesting
import Foundation
import Testing

/// Transit over HTTP against the real binary: statuses, bodies and messages as Vault gives them.
@Suite("Transit over HTTP")
struct TransitTests {
    static func setup() async throws -> (ServerProcess, VaultHTTP) {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        try #require(try await root.write("sys/mounts/transit", ["type": "transit"]).status == 204)
        return (server, root)
    }

    static func b64(_ text: String) -> JSONValue { .string(Data(text.utf8).base64EncodedString()) }

    @Test("key lifecycle: create, read, list, rotate, config, trim, delete")
    func keyLifecycle() async throws {
        let (server, root) = try await Self.setup()
        let created = try await root.write("transit/keys/app")
        #expect(created.status == 200)
        #expect(created.data?["type"] == "aes256-gcm96")
        #expect(created.data?["latest_version"] == 1)
        #expect(created.data?["supports_encryption"] == true)
        #expect(created.data?["keys"]?.objectValue?["1"]?.intValue != nil)
        #expect(try await root.read("transit/keys/missing").status == 404)
        #expect(try await root.list("transit/keys").data?["keys"] == ["app"])
        for _ in 0..<3 { #expect(try await root.write("transit/keys/app/rotate").status == 200) }
        let configured = try await root.write("transit/keys/app/config", ["min_decryption_version": 3, "min_encryption_version": 4])
        #expect(configured.status == 200)
        #expect(configured.data?["keys"]?.objectValue?.keys.sorted() == ["3", "4"])
        #expect(try await root.write("transit/keys/app/trim", ["min_available_version": 3]).data?["min_available_version"] == 3)
        let refused = try await root.delete("transit/keys/app")
        #expect(refused.status == 400)
        #expect(refused.errors == ["error deleting policy app: deletion is not allowed for this key"])
        #expect(try await root.write("transit/keys/app/config", ["deletion_allowed": true]).status == 200)
        #expect(try await root.delete("transit/keys/app").status == 204)
        #expect(try await root.list("transit/keys").status == 404)
        #expect(server.isRunning)
    }

    @Test("encrypt, decrypt and rewrap with every encryption key type", arguments: [
        "aes128-gcm96", "aes256-gcm96", "chacha20-poly1305", "rsa-2048", "rsa-3072", "rsa-4096",
    ])
    func encryption(type: String) async throws {
        let (server, root) = try await Self.setup()
        #expect(try await root.write("transit/keys/k", ["type": .string(type)]).status == 200)
        let encrypted = try await root.write("transit/encrypt/k", ["plaintext": Self.b64("the quick brown fox")])
        #expect(encrypted.status == 200)
        #expect(encrypted.data?["key_version"] == 1)
        let ciphertext = try #require(encrypted.data?["ciphertext"])
        #expect(try await root.write("transit/decrypt/k", ["ciphertext": ciphertext]).data?["plaintext"] == Self.b64("the quick brown fox"))
        #expect(try await root.write("transit/keys/k/rotate").status == 200)
        let rewrapped = try await root.write("transit/rewrap/k", ["ciphertext": ciphertext])
        #expect(rewrapped.data?["ciphertext"]?.stringValue?.hasPrefix("vault:v2:") == true)
        #expect(try await root.write("transit/decrypt/k", ["ciphertext": try #require(rewrapped.data?["ciphertext"])]).data?["plaintext"]
            == Self.b64("the quick brown fox"))
        #expect(server.isRunning)
    }

    @Test("sign and verify with every signing key type; the key read shows its public key", arguments: [
        "ed25519", "ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "rsa-2048", "rsa-3072", "rsa-4096",
    ])
    func signing(type: String) async throws {
        let (server, root) = try await Self.setup()
        #expect(try await root.write("transit/keys/s", ["type": .string(type)]).status == 200)
        for marshaling in ["asn1", "jws"] {
            let signed = try await root.write("transit/sign/s/sha2-384", ["input": Self.b64("payload"), "marshaling_algorithm": .string(marshaling)])
            #expect(signed.status == 200)
            let signature = try #require(signed.data?["signature"])
            let verified = try await root.write(
                "transit/verify/s/sha2-384", ["input": Self.b64("payload"), "signature": signature, "marshaling_algorithm": .string(marshaling)]
            )
            #expect(verified.data?["valid"] == true)
        }
        let batch = try await root.write("transit/sign/s", ["batch_input": [["input": Self.b64("a"), "reference": "r1"], ["input": Self.b64("b")]]])
        #expect(batch.data?["batch_results"]?.arrayValue?.first?.objectValue?["reference"] == "r1")
        let key = try await root.read("transit/keys/s")
        let version = try #require(key.data?["keys"]?.objectValue?["1"]?.objectValue)
        #expect(version["creation_time"]?.stringValue != nil)
        let publicKey = version["public_key"]?.stringValue ?? ""
        #expect(type == "ed25519" ? Data(base64Encoded: publicKey)?.count == 32 : publicKey.hasPrefix("-----BEGIN PUBLIC KEY-----"))
        #expect(server.isRunning)
    }

    @Test("bad input gets Vault's status and message, and the server keeps serving")
    func errors() async throws {
        let (server, root) = try await Self.setup()
        #expect(try await root.write("transit/keys/k").status == 200)
        #expect(try await root.write("transit/keys/ed", ["type": "ed25519"]).status == 200)
        let ciphertext = try #require(try await root.write("transit/encrypt/k", ["plaintext": Self.b64("x")]).data?["ciphertext"]?.stringValue)
        var tampered = Array(ciphertext)
        tampered[tampered.count - 3] = tampered[tampered.count - 3] == "A" ? "B" : "A"
        let cases: [(String, JSONValue, Int, String)] = [
            ("transit/decrypt/unknown", ["ciphertext": .string(ciphertext)], 400, "encryption key not found"),
            ("transit/encrypt/k", ["plaintext": "not base64!"], 400, "illegal base64 data at input byte 3"),
            ("transit/decrypt/k", ["ciphertext": .string(String(tampered))], 400, "cipher: message authentication failed"),
            ("transit/encrypt/ed", ["plaintext": Self.b64("x")], 400, "message encryption not supported for key type ed25519"),
            ("transit/sign/k", ["input": Self.b64("x")], 400, "key type aes256-gcm96 does not support signing"),
            ("transit/decrypt/k", ["ciphertext": "vault:v7:AAAA"], 400, "invalid ciphertext: version is too new"),
            ("transit/random", ["bytes": 1e300], 400, "invalid value for \"bytes\""),
            ("transit/keys/k/config", ["min_decryption_version": 1e300], 400, "invalid value for \"min_decryption_version\""),
        ]
        for (path, body, status, message) in cases {
            let result = try await root.write(path, body)
            #expect(result.status == status, "\(path): \(result.text)")
            #expect(result.errors.first?.hasPrefix(message) == true, "\(path): \(result.text)")
        }
        #expect(try await root.read("transit/export/encryption-key/unknown").status == 404)
        #expect(try await root.write("transit/keys/k/rotate").status == 200)
        #expect(try await root.write("transit/keys/k/config", ["min_decryption_version": 2]).status == 200)
        let old = try await root.write("transit/decrypt/k", ["ciphertext": .string(ciphertext)])
        #expect(old.status == 400)
        #expect(old.errors == ["ciphertext or signature version is disallowed by policy (too old)"])
        #expect(server.isRunning)
        #expect(try await root.read("sys/health").status == 200)
    }

    @Test("batches: per-item errors, 400 by default, partial_failure_response_code when some succeed")
    func batches() async throws {
        let (server, root) = try await Self.setup()
        let items: JSONValue = [["plaintext": Self.b64("ok"), "reference": "1"], ["plaintext": "%%", "reference": "2"]]
        let failed = try await root.write("transit/encrypt/b", ["batch_input": items])
        #expect(failed.status == 400)
        let results = try #require(failed.data?["batch_results"]?.arrayValue)
        #expect(results[0].objectValue?["ciphertext"] != nil)
        #expect(results[1].objectValue?["error"] == "illegal base64 data at input byte 0")
        #expect(results[1].objectValue?["reference"] == "2")
        let accepted = try await root.write("transit/encrypt/b", ["batch_input": items, "partial_failure_response_code": 200])
        #expect(accepted.status == 200)
        let decrypted = try await root.write("transit/decrypt/b", ["batch_input": [["ciphertext": try #require(results[0].objectValue?["ciphertext"])]]])
        #expect(decrypted.data?["batch_results"]?.arrayValue?.first?.objectValue?["plaintext"] == Self.b64("ok"))
        #expect(server.isRunning)
    }

    @Test("upsert needs create capability; update alone does not create keys")
    func upsertPolicy() async throws {
        let (server, root) = try await Self.setup()
        #expect(try await root.write("sys/policies/acl/enc", ["policy": #"path "transit/encrypt/*" { capabilities = ["update"] }"#]).status == 204)
        let token = try #require(try await root.write("auth/token/create", ["policies": ["enc"]]).json?.objectValue?["auth"]?.objectValue?["client_token"]?.stringValue)
        let limited = VaultHTTP(address: root.address, token: token)
        #expect(try await limited.write("transit/encrypt/new", ["plaintext": Self.b64("x")]).status == 403)
        #expect(try await root.write("transit/encrypt/new", ["plaintext": Self.b64("x")]).status == 200)
        #expect(try await limited.write("transit/encrypt/new", ["plaintext": Self.b64("x")]).status == 200)
        #expect(server.isRunning)
    }

    @Test("hmac, hash, random, datakey, export, backup and restore")
    func utilities() async throws {
        let (server, root) = try await Self.setup()
        #expect(try await root.write("transit/keys/h", ["type": "hmac", "key_size": 48]).data?["key_size"] == 48)
        let mac = try #require(try await root.write("transit/hmac/h", ["input": Self.b64("m")]).data?["hmac"])
        #expect(try await root.write("transit/verify/h", ["input": Self.b64("m"), "hmac": mac]).data?["valid"] == true)
        #expect(try await root.write("transit/hash/sha3-256", ["input": Self.b64("")]).data?["sum"]
            == "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a")
        #expect(try await root.write("transit/random/24", ["format": "hex"]).data?["random_bytes"]?.stringValue?.count == 48)
        #expect(try await root.write("transit/keys/k", ["exportable": true, "allow_plaintext_backup": true]).status == 200)
        let datakey = try await root.write("transit/datakey/plaintext/k", ["bits": 128])
        #expect(datakey.data?["plaintext"]?.stringValue.flatMap { Data(base64Encoded: $0) }?.count == 16)
        let exported = try await root.read("transit/export/encryption-key/k")
        #expect(exported.data?["keys"]?.objectValue?["1"]?.stringValue.flatMap { Data(base64Encoded: $0) }?.count == 32)
        let backup = try #require(try await root.read("transit/backup/k").data?["backup"])
        #expect(try await root.write("transit/restore/k2", ["backup": backup]).status == 204)
        let ciphertext = try #require(datakey.data?["ciphertext"])
        #expect(try await root.write("transit/decrypt/k2", ["ciphertext": ciphertext]).data?["plaintext"] == datakey.data?["plaintext"])
        let again = try await root.write("transit/restore/k2", ["backup": backup])
        #expect(again.status == 500)
        #expect(again.errors == ["key \"k2\" already exists"])
        #expect(server.isRunning)
    }

    @Test("the generic CLI write works as in Vault's tutorials")
    func cli() async throws {
        let (server, _) = try await Self.setup()
        let script = """
            set -e
            vault write -f transit/keys/orders >/dev/null
            ct=$(vault write -field=ciphertext transit/encrypt/orders plaintext=$(base64 <<< "4111 1111 1111 1111"))
            vault write -field=plaintext transit/decrypt/orders ciphertext=$ct | base64 --decode
            """
        let result = try runShell(script, environment: ["VAULT_ADDR": server.address, "VAULT_TOKEN": "root"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "4111 1111 1111 1111\n")
    }

    @Test("keys survive a restart and still decrypt")
    func restart() async throws {
        let directory = try TemporaryDirectory.make("coffer-transit-")
        let setup = try SQLiteTestServer(directory: directory)
        var server = try await setup.start()
        let (unsealKey, rootToken) = try await SQLiteTestServer.initialise(server)
        var root = VaultHTTP(address: server.address, token: rootToken)
        #expect(try await root.write("sys/mounts/transit", ["type": "transit"]).status == 204)
        #expect(try await root.write("transit/keys/k", ["auto_rotate_period": "24h"]).status == 200)
        let ciphertext = try #require(try await root.write("transit/encrypt/k", ["plaintext": Self.b64("durable")]).data?["ciphertext"])
        _ = try await server.stop()
        server = try await setup.start()
        try await SQLiteTestServer.unseal(server, key: unsealKey)
        root = VaultHTTP(address: server.address, token: rootToken)
        #expect(try await root.write("transit/decrypt/k", ["ciphertext": ciphertext]).data?["plaintext"] == Self.b64("durable"))
        #expect(try await root.read("transit/keys/k").data?["auto_rotate_period"] == 86400)
        _ = try await server.stop()
    }
}
