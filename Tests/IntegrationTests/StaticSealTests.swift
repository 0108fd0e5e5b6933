import CofferSDK
import CofferTesting
import Foundation
import Testing

@Suite("seal \"static\": the server unseals itself with a configured key")
struct StaticSealTests {
    /// A server directory with SQLite storage and a static seal whose keys are given as text.
    struct Node {
        let directory: String

        func config(current: (id: String, key: String), previous: (id: String, key: String)? = nil) throws -> String {
            var seal = """
                seal "static" {
                  current_key_id = "\(current.id)"
                  current_key    = "\(current.key)"
                """
            if let previous { seal += "\n  previous_key_id = \"\(previous.id)\"\n  previous_key = \"\(previous.key)\"" }
            let path = directory + "/server.hcl"
            try """
                storage "sqlite" { path = "\(directory)/coffer.db" }
                listener "tcp" {
                  address     = "127.0.0.1:0"
                  tls_disable = true
                }
                \(seal)
                }
                """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    static func hexKey() -> String { TestKey.hex(32) }

    @Test("sys/init gives recovery keys; every restart unseals itself; sys/seal is undone with recovery keys")
    func lifecycle() async throws {
        let directory = try TemporaryDirectory.make("coffer-static-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let node = Node(directory: directory)
        // The key from a file of 32 raw bytes, as `openssl rand -out FILE 32` writes it.
        let keyFile = directory + "/seal.key"
        try Data(TestKey.bytes(32)).write(to: URL(fileURLWithPath: keyFile))
        let configPath = try node.config(current: ("k1", "file://" + keyFile))

        var server = try await ServerProcess.start(configPath: configPath)
        var http = VaultHTTP(address: server.address)
        let fresh = try #require(try await http.read("sys/seal-status").json?.objectValue)
        #expect(fresh["type"] == "static" && fresh["recovery_seal"] == true && fresh["initialized"] == false && fresh["sealed"] == true)
        // Unseal shares make no sense here, and Vault says so.
        let wrong = try await http.request("PUT", "sys/init", body: ["secret_shares": 1, "secret_threshold": 1])
        #expect(wrong.status == 400 && wrong.errors == ["parameters secret_shares,secret_threshold not applicable to seal type static"])
        #expect(try await http.request("PUT", "sys/init", body: ["recovery_shares": 2, "recovery_threshold": 3]).status == 400)

        let initialised = try await http.request("PUT", "sys/init", body: ["recovery_shares": 3, "recovery_threshold": 2])
        #expect(initialised.status == 200)
        let result = try #require(initialised.json?.objectValue)
        #expect(result["keys"] == [] && result["keys_base64"] == [])
        let recovery = (result["recovery_keys_base64"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(recovery.count == 3 && result["recovery_keys"]?.arrayValue?.count == 3)
        let root = try #require(result["root_token"]?.stringValue)
        // Unsealed straight away: no one has to bring shares.
        let status = try #require(try await http.read("sys/seal-status").json?.objectValue)
        #expect(status["sealed"] == false && status["t"] == 2 && status["n"] == 3)
        var authed = VaultHTTP(address: server.address, token: root)
        #expect(try await authed.write("sys/mounts/secret", ["type": "kv", "options": ["version": "2"]]).status == 204)
        #expect(try await authed.write("secret/data/app", ["data": ["k": "v"]]).status == 200)
        // The root key cannot be rekeyed: the configured key protects it.
        #expect(try await http.request("PUT", "sys/rekey/init", body: ["secret_shares": 1, "secret_threshold": 1]).status == 400)

        // A restart unseals itself with the same key.
        try await server.stop()
        server = try await ServerProcess.start(configPath: configPath)
        http = VaultHTTP(address: server.address)
        authed = VaultHTTP(address: server.address, token: root)
        #expect(try await http.read("sys/health").status == 200)
        #expect(try await authed.read("secret/data/app").data?["data"] == ["k": "v"])

        // After sys/seal, a threshold of recovery keys unseals it; a wrong set does not.
        #expect(try await authed.request("PUT", "sys/seal").status == 204)
        #expect(try await http.read("sys/health").status == 503)
        var step = try await http.request("PUT", "sys/unseal", body: ["key": .string(recovery[0])])
        #expect(step.json?.objectValue?["sealed"] == true && step.json?.objectValue?["progress"] == 1)
        // A share of the right shape that is not one of ours: the combination is refused.
        var forged = Array(try #require(Data(base64Encoded: recovery[2])))
        forged[0] ^= 0xFF
        let otherShare = Data(forged).base64EncodedString()
        step = try await http.request("PUT", "sys/unseal", body: ["key": .string(otherShare)])
        #expect(step.status == 400 && step.errors.first?.contains("recovery key") == true)
        #expect(try await http.read("sys/health").status == 503)
        _ = try await http.request("PUT", "sys/unseal", body: ["key": .string(recovery[2])])
        step = try await http.request("PUT", "sys/unseal", body: ["key": .string(recovery[1])])
        #expect(step.json?.objectValue?["sealed"] == false)
        #expect(try await authed.read("secret/data/app").data?["data"] == ["k": "v"])

        // Recovery keys authorise root generation, as unseal keys do under Shamir.
        let attempt = try await http.request("PUT", "sys/generate-root/attempt", body: [:])
        let nonce = try #require(attempt.json?.objectValue?["nonce"]?.stringValue)
        let otp = try #require(attempt.json?.objectValue?["otp"]?.stringValue)
        _ = try await http.request("PUT", "sys/generate-root/update", body: ["key": .string(recovery[0]), "nonce": .string(nonce)])
        let done = try await http.request("PUT", "sys/generate-root/update", body: ["key": .string(recovery[1]), "nonce": .string(nonce)])
        let encoded = try #require(done.json?.objectValue?["encoded_token"]?.stringValue)
        let newRoot = String(decoding: zip(Array(try #require(Data(base64Encoded: encoded))), Array(otp.utf8)).map { $0 ^ $1 }, as: UTF8.self)
        #expect(try await VaultHTTP(address: server.address, token: newRoot).read("auth/token/lookup-self").status == 200)
        try await server.stop()
    }

    @Test("a wrong key leaves the server sealed and says why; previous_key completes a rotation")
    func wrongKeyAndRotation() async throws {
        let directory = try TemporaryDirectory.make("coffer-static-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let node = Node(directory: directory)
        let first = Self.hexKey()
        let second = TestKey.base64(32)

        var server = try await ServerProcess.start(configPath: try node.config(current: ("one", first)))
        let initialised = try await VaultHTTP(address: server.address).request("PUT", "sys/init", body: [:])
        let root = try #require(initialised.json?.objectValue?["root_token"]?.stringValue)
        #expect(initialised.json?.objectValue?["recovery_keys"] == [])
        #expect(try await VaultHTTP(address: server.address, token: root).write("cubbyhole/x", ["v": "1"]).status == 204)
        try await server.stop()

        // Another key under the same id: sealed, and the log names the key id, not the key.
        server = try await ServerProcess.start(configPath: try node.config(current: ("one", second)))
        var http = VaultHTTP(address: server.address)
        #expect(try await http.read("sys/health").status == 503)
        #expect(server.standardError.contains("the key configured as \"one\" does not open the root key"))
        #expect(!server.standardError.contains(second) && !server.standardError.contains(first))
        // Without recovery keys, unseal requests say what to do instead.
        let refused = try await http.request("PUT", "sys/unseal", body: ["key": .string(Self.hexKey())])
        #expect(refused.status == 400 && refused.errors.first?.contains("restart it") == true)
        try await server.stop()

        // An unknown key id: sealed too.
        server = try await ServerProcess.start(configPath: try node.config(current: ("two", second)))
        #expect(try await VaultHTTP(address: server.address).read("sys/health").status == 503)
        #expect(server.standardError.contains("sealed with key id \"one\""))
        try await server.stop()

        // Rotation: the new key current, the old one previous: unsealed, and rewrapped…
        server = try await ServerProcess.start(configPath: try node.config(current: ("two", second), previous: ("one", first)))
        http = VaultHTTP(address: server.address, token: root)
        #expect(try await http.read("sys/health").status == 200)
        #expect(try await http.read("cubbyhole/x").data == ["v": "1"])
        try await server.stop()
        // …so the old key can go.
        server = try await ServerProcess.start(configPath: try node.config(current: ("two", second)))
        #expect(try await VaultHTTP(address: server.address, token: root).read("cubbyhole/x").data == ["v": "1"])
        try await server.stop()
    }

    @Test("coffer operator init asks an auto-unsealed server for recovery shares, and status labels them")
    func operatorInit() async throws {
        let directory = try TemporaryDirectory.make("coffer-static-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try await ServerProcess.start(configPath: try Node(directory: directory).config(current: ("k", Self.hexKey())))
        let environment = ["VAULT_ADDR": server.address]
        let initialised = try runCoffer(["operator", "init", "-recovery-shares=3", "-recovery-threshold=2", "-format=json"], environment: environment)
        #expect(initialised.status == 0, "\(initialised.stderr)")
        let out = try #require(try JSONParser.parse(Array(initialised.stdout.utf8)).objectValue)
        #expect(out["recovery_keys_b64"]?.arrayValue?.count == 3 && out["unseal_keys_b64"] == [] && out["recovery_keys_threshold"] == 2)
        #expect(out["root_token"]?.stringValue?.isEmpty == false)
        let status = try runCoffer(["status"], environment: environment)
        #expect(status.status == 0 && status.stdout.contains("static") && status.stdout.contains("Total Recovery Shares"))
        try await server.stop()
    }

    @Test("keys that cannot be used stop the server at start with a clear message")
    func badKeys() async throws {
        let directory = try TemporaryDirectory.make("coffer-static-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let node = Node(directory: directory)
        let cases: [(String, String)] = [
            ("deadbeef", "current_key must be a 32-byte key"),
            ("env://COFFER_TEST_UNSET_SEAL_KEY", "the environment variable COFFER_TEST_UNSET_SEAL_KEY, which is not set"),
            ("file://\(directory)/missing.key", "missing.key, which cannot be read"),
        ]
        for (key, message) in cases {
            let run = try runCoffer(["server", "-config=\(try node.config(current: ("k", key)))"])
            #expect(run.status != 0)
            #expect((run.stderr + run.stdout).contains(message), "\(key): \(run.stderr)")
        }
        // A Shamir-initialised storage is not silently taken over by a static seal.
        let plain = try SQLiteTestServer(directory: directory)
        var server = try await plain.start()
        _ = try await SQLiteTestServer.initialise(server)
        try await server.stop()
        server = try await ServerProcess.start(configPath: try node.config(current: ("k", Self.hexKey())))
        #expect(try await VaultHTTP(address: server.address).read("sys/health").status == 503)
        #expect(server.standardError.contains("seal migration is not supported"))
        try await server.stop()
    }
}

/// Random key material for tests, from the system generator.
enum TestKey {
    static func bytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    static func hex(_ count: Int) -> String { bytes(count).map { String(format: "%02x", $0) }.joined() }

    static func base64(_ count: Int) -> String { Data(bytes(count)).base64EncodedString() }
}
