import CofferSDK
import CofferTesting
import Foundation
import Testing

@Suite("Init, unseal, restart and unseal again with SQLite storage")
struct SealedLifecycleTests {
    static func writeConfig(in directory: String) throws -> String {
        let config = """
            storage "sqlite" {
              path = "\(directory)/coffer.db"
            }
            listener "tcp" {
              address     = "127.0.0.1:0"
              tls_disable = true
            }
            log_level = "info"
            """
        let path = directory + "/server.hcl"
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("the full cycle through plain HTTP, and nothing readable in the database file")
    func fullCycle() async throws {
        let directory = try TemporaryDirectory.make("coffer-it-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configPath = try Self.writeConfig(in: directory)

        var server = try await ServerProcess.start(configPath: configPath)
        var http = VaultHTTP(address: server.address)
        #expect(try await http.read("sys/health").status == 501)
        #expect(try await http.read("sys/health?uninitcode=200").status == 200)
        #expect(try await http.read("sys/init").json == ["initialized": false])
        let uninitialised = try await http.read("sys/seal-status")
        #expect(uninitialised.json?.objectValue?["initialized"] == false)
        #expect(uninitialised.json?.objectValue?["sealed"] == true)
        #expect(try await http.read("secret/data/x").status == 503)
        #expect(try await http.request("PUT", "sys/init", body: ["secret_shares": 0, "secret_threshold": 0]).status == 400)

        let initialised = try await http.request("PUT", "sys/init", body: ["secret_shares": 5, "secret_threshold": 3])
        #expect(initialised.status == 200)
        let object = try #require(initialised.json?.objectValue)
        let keys = (object["keys"]?.arrayValue ?? []).compactMap { $0.stringValue }
        let keysBase64 = (object["keys_base64"]?.arrayValue ?? []).compactMap { $0.stringValue }
        let rootToken = try #require(object["root_token"]?.stringValue)
        #expect(keys.count == 5 && keysBase64.count == 5 && rootToken.hasPrefix("hvs."))
        #expect(try await http.request("PUT", "sys/init", body: ["secret_shares": 1, "secret_threshold": 1]).status == 400)

        // Sealed after init: 503, with the *code overrides.
        #expect(try await http.read("sys/health").status == 503)
        #expect(try await http.read("sys/health?sealedcode=299").status == 299)
        #expect(try await http.read("sys/leader").status == 503)
        #expect(try await VaultHTTP(address: server.address, token: rootToken).read("sys/mounts").status == 503)

        var status = try await http.request("PUT", "sys/unseal", body: ["key": .string(keys[0])])
        #expect(status.json?.objectValue?["progress"] == 1)
        // A bad share is a 400 and keeps the progress.
        let bad = try await http.request("PUT", "sys/unseal", body: ["key": "zz-not-a-key"])
        #expect(bad.status == 400)
        #expect(try await http.read("sys/seal-status").json?.objectValue?["progress"] == 1)
        // The same share twice, or a share of the wrong length, is refused with Vault's reason.
        let again = try await http.request("PUT", "sys/unseal", body: ["key": .string(keys[0])])
        #expect(again.status == 400 && again.json?.objectValue?["errors"] == ["invalid key: this share was already provided"])
        let short = try await http.request("PUT", "sys/unseal", body: ["key": "abcd"])
        #expect(short.status == 400 && short.json?.objectValue?["errors"] == ["invalid key: the share has the wrong length"])
        #expect(try await http.read("sys/seal-status").json?.objectValue?["progress"] == 1)
        status = try await http.request("PUT", "sys/unseal", body: ["reset": true])
        #expect(status.json?.objectValue?["progress"] == 0)
        for key in keys.prefix(3) {
            status = try await http.request("PUT", "sys/unseal", body: ["key": .string(key)])
        }
        #expect(status.json?.objectValue?["sealed"] == false)
        #expect(status.json?.objectValue?["t"] == 3 && status.json?.objectValue?["n"] == 5)
        #expect(try await http.read("sys/health").status == 200)
        #expect(try await http.read("sys/leader").json?.objectValue?["ha_enabled"] == false)

        let root = VaultHTTP(address: server.address, token: rootToken)
        #expect(try await root.write("sys/mounts/secret", ["type": "kv-v2"]).status == 204)
        #expect(try await root.write("secret/data/db", ["data": ["password": "plaintext-canary-before-rotation"]]).status == 200)
        #expect(try await root.write("sys/rotate").status == 204)
        #expect(try await root.write("secret/data/db", ["data": ["password": "plaintext-canary-after-rotation"]]).status == 200)
        let keyStatus = try await root.read("sys/key-status")
        #expect(keyStatus.data?["term"] == 2)
        #expect(keyStatus.json?.objectValue?["term"] == 2, "sys/key-status also answers at the top level, as Vault does")
        #expect(try await server.stop() == 0)

        // Nothing in the clear on disk: not the secret, not the root token, not a key share.
        for suffix in ["coffer.db", "coffer.db-wal", "coffer.db-shm"] {
            guard let bytes = FileManager.default.contents(atPath: directory + "/" + suffix) else { continue }
            let text = String(decoding: bytes, as: UTF8.self)
            for needle in ["plaintext-canary", rootToken, String(rootToken.dropFirst(4))] + keys + keysBase64 {
                #expect(!text.contains(needle), "\(suffix) holds a plaintext value")
            }
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/coffer.db")
        #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o077 } == 0, "the database is private to its owner")

        // Restart: sealed again; any other three shares (base64 this time) unseal it.
        server = try await ServerProcess.start(configPath: configPath)
        http = VaultHTTP(address: server.address)
        #expect(try await http.read("sys/seal-status").json?.objectValue?["sealed"] == true)
        #expect(try await VaultHTTP(address: server.address, token: rootToken).read("secret/data/db").status == 503)
        for key in keysBase64.suffix(3) {
            status = try await http.request("PUT", "sys/unseal", body: ["key": .string(key)])
        }
        #expect(status.json?.objectValue?["sealed"] == false)
        let restartedRoot = VaultHTTP(address: server.address, token: rootToken)
        let latest = try await restartedRoot.read("secret/data/db")
        #expect(latest.data?["data"] == ["password": "plaintext-canary-after-rotation"])
        let first = try await restartedRoot.read("secret/data/db?version=1")
        #expect(first.data?["data"] == ["password": "plaintext-canary-before-rotation"])

        // Sealing through the API needs a token, then the server answers 503 again.
        #expect(try await http.request("PUT", "sys/seal").status == 403)
        #expect(try await restartedRoot.request("PUT", "sys/seal").status == 204)
        #expect(try await restartedRoot.read("secret/data/db").status == 503)
        #expect(try await server.stop() == 0)
        #expect(!server.standardError.contains("plaintext-canary"))
        #expect(!server.standardError.contains(rootToken))
    }

    @Test("an unknown stanza stops start-up with the file and line")
    func configErrors() throws {
        let directory = try TemporaryDirectory.make("coffer-it-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/bad.hcl"
        try "storage \"inmem\" {}\nlistener \"tcp\" {\n  tls_disable = true\n}\nseal \"awskms\" {}\n".write(toFile: path, atomically: true, encoding: .utf8)
        let result = try runCoffer(["server", "-config=\(path)"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(path):5"))
        #expect(result.stderr.contains("seal"))
    }
}
