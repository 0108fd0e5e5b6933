import CofferSDK
import CofferTesting
import Foundation
import Testing

@Suite("initialize stanzas: a server that configures itself on its first start")
struct SelfInitTests {
    /// The repository's config/lab.hcl, on a free port.
    static func labConfig(in directory: String) throws -> String {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/lab.hcl")
        let text = try String(contentsOf: source, encoding: .utf8)
        #expect(text.contains("127.0.0.1:8200"))
        let path = directory + "/lab.hcl"
        // The banner's address is api_addr when one is set; on a free port it must be the bound one.
        try text.replacingOccurrences(of: "api_addr = \"http://127.0.0.1:8200\"", with: "")
            .replacingOccurrences(of: "127.0.0.1:8200", with: "127.0.0.1:0").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("config/lab.hcl starts as written: audited, AppRole ready, the root token gone, and not run again")
    func labConfigStarts() async throws {
        let directory = try TemporaryDirectory.make("coffer-lab-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = try Self.labConfig(in: directory)
        let secretID = TestKey.hex(16)
        let environment = [
            "COFFER_SEAL_KEY": TestKey.hex(32), "APP_ROLE_ID": "lab-role", "APP_SECRET_ID": secretID,
            "APP_DB_PASSWORD": "pw-from-the-environment",
        ]
        var server = try await ServerProcess.start(["server", "-config=\(config)"], environment: environment, workingDirectory: directory)
        var http = VaultHTTP(address: server.address)
        #expect(try await http.read("sys/health").status == 200)
        #expect(server.standardError.contains("self-initialization complete"))

        // The application's way in: AppRole with the ids from the environment.
        let login = try await http.write("auth/approle/login", ["role_id": "lab-role", "secret_id": .string(secretID)])
        let token = try #require(login.json?.objectValue?["auth"]?.objectValue?["client_token"]?.stringValue)
        let app = VaultHTTP(address: server.address, token: token)
        let secret = try await app.read("secret/data/app/db")
        #expect(secret.data?["data"] == ["username": "app", "password": "pw-from-the-environment"])
        // The policy is least privilege: the app cannot write, nor read elsewhere.
        #expect(try await app.write("secret/data/app/db", ["data": ["x": "y"]]).status == 403)
        #expect(try await app.read("sys/mounts").status == 403)

        // Every self-init request went through the audit device, and so did the revocation of the
        // temporary root token (which no one saw).
        let audit = try String(contentsOfFile: directory + "/lab-audit.log", encoding: .utf8)
        for path in ["secret/data/app/db", "sys/policies/acl/app", "auth/approle/role/app/custom-secret-id", "auth/token/revoke-self"] {
            #expect(audit.contains("\"path\":\"\(path)\""), "\(path) is not in the audit log")
        }
        #expect(!audit.contains("pw-from-the-environment"))
        #expect(!server.standardError.contains("pw-from-the-environment") && !server.standardError.contains(secretID))
        #expect(FileManager.default.fileExists(atPath: directory + "/lab-data/coffer.db"))

        // A restart unseals itself and does not run the stanzas again: the secret stays at version 1.
        try await server.stop()
        server = try await ServerProcess.start(["server", "-config=\(config)"], environment: environment, workingDirectory: directory)
        http = VaultHTTP(address: server.address)
        #expect(try await http.read("sys/health").status == 200)
        #expect(!server.standardError.contains("initialize stanzas"))
        let again = try await VaultHTTP(address: server.address, token: token).read("secret/data/app/db")
        #expect(again.data?["metadata"]?.objectValue?["version"] == 1)
        try await server.stop()
    }

    @Test("a failing request stops the run and is named; allow_failure goes on; references resolve")
    func failures() async throws {
        let directory = try TemporaryDirectory.make("coffer-selfinit-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "from-a-file\n".write(toFile: directory + "/value.txt", atomically: true, encoding: .utf8)
        let config = directory + "/server.hcl"
        try """
            storage "sqlite" { path = "\(directory)/coffer.db" }
            listener "tcp" {
              address     = "127.0.0.1:0"
              tls_disable = true
            }
            seal "static" {
              current_key_id = "k"
              current_key    = "env://SEAL_KEY"
            }
            initialize "setup" {
              request "kv" {
                operation = "update"
                path      = "sys/mounts/kv"
                data      = { type = "kv" }
              }
              request "optional" {
                operation     = "update"
                path          = "nowhere/at/all"
                data          = {}
                allow_failure = true
              }
              request "from-file" {
                operation = "update"
                path      = "kv/file"
                data      = { value = { eval_source = "file", eval_type = "string", path = "\(directory)/value.txt" } }
              }
              request "token" {
                operation = "update"
                path      = "auth/token/create"
                data      = { id = "selfinit-reader", policies = ["root"], no_parent = true, ttl = "1h" }
              }
              request "copy" {
                operation = "update"
                path      = "kv/copy"
                data = {
                  mount   = { eval_source = "request", eval_type = "string", initialize_name = "setup", request_name = "kv", field_selector = ["data", "type"] }
                  policy  = { eval_source = "response", eval_type = "[]string", initialize_name = "setup", request_name = "token", field_selector = ["auth", "policies"] }
                }
              }
              request "broken" {
                operation = "update"
                path      = "sys/mounts/kv"
                data      = { type = "kv" }
              }
              request "never" {
                operation = "update"
                path      = "kv/never"
                data      = { v = "1" }
              }
            }
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try await ServerProcess.start(configPath: config, environment: ["SEAL_KEY": TestKey.hex(32)])
        let log = server.standardError
        #expect(log.contains("allow_failure is set") && log.contains("request=optional"))
        #expect(log.contains("self-initialization stopped at a failing request") && log.contains("request=broken"))
        #expect(!log.contains("self-initialization complete"))

        // The server runs with what the requests before the failure made, read with the orphan
        // token one of them created (the temporary root token itself is revoked).
        let reader = VaultHTTP(address: server.address, token: "selfinit-reader")
        #expect(try await reader.read("kv/file").data == ["value": "from-a-file\n"])
        #expect(try await reader.read("kv/copy").data == ["mount": "kv", "policy": ["root"]])
        #expect(try await reader.read("kv/never").status == 404)
        // The only token left is that one: the temporary root token was revoked even though
        // the run failed.
        #expect(try await reader.list("auth/token/accessors").data?["keys"]?.arrayValue?.count == 1)
        try await server.stop()
    }

    @Test("configuration mistakes are refused at start with file and line")
    func configErrors() throws {
        let directory = try TemporaryDirectory.make("coffer-selfinit-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let base = """
            storage "inmem" {}
            listener "tcp" {
              address     = "127.0.0.1:0"
              tls_disable = true
            }

            """
        let seal = "seal \"static\" {\n  current_key_id = \"k\"\n  current_key = \"\(TestKey.hex(32))\"\n}\n"
        let cases: [(String, String)] = [
            ("initialize \"a\" {\n  request \"r\" {\n    operation = \"update\"\n    path = \"sys/x\"\n  }\n}\n", "needs an auto-unseal seal"),
            (seal + "initialize \"a\" {\n  request \"r\" {\n    operation = \"frobnicate\"\n    path = \"x\"\n  }\n}\n", "unknown operation \"frobnicate\""),
            (seal + "initialize \"1bad\" {\n}\n", "must match"),
            (seal + "initialize \"a\" {\n  request \"r\" {\n    path = \"x\"\n  }\n}\n", "needs an operation"),
            (seal + "initialize \"a\" {\n  request \"r\" {\n    operation = \"read\"\n    path = \"x\"\n  }\n  request \"r\" {\n    operation = \"read\"\n    path = \"y\"\n  }\n}\n", "two requests"),
            (
                seal + "initialize \"a\" {\n  request \"r\" {\n    operation = \"update\"\n    path = \"x\"\n    data = { v = { eval_source = \"vault\", eval_type = \"string\" } }\n  }\n}\n",
                "eval_source must be env, file, request or response"
            ),
        ]
        for (extra, message) in cases {
            let path = directory + "/bad.hcl"
            try (base + extra).write(toFile: path, atomically: true, encoding: .utf8)
            let run = try runCoffer(["server", "-config=\(path)"])
            #expect(run.status != 0)
            #expect((run.stderr + run.stdout).contains(message), "\(message): \(run.stderr)")
            #expect((run.stderr + run.stdout).contains("bad.hcl"))
        }
    }
}
