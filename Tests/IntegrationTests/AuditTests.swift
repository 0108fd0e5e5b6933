import CofferSDK
import CofferTesting
import Foundation
import Testing

@Suite("Hash-chained audit device over HTTP")
struct AuditTests {
    static func lines(_ path: String) -> [String] {
        String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    static func write(_ lines: [String], to path: String) throws {
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test("entries hash secrets and tokens; audit-hash agrees; verify passes intact and fails tampered logs")
    func chainAndHashing() async throws {
        let directory = try TemporaryDirectory.make("coffer-audit-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let rootToken = "dev-root-token-canary-7f3a"
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=\(rootToken)"])
        let root = VaultHTTP(address: server.address, token: rootToken)
        let log = directory + "/audit.log"
        #expect(try await root.request("PUT", "sys/audit/file", body: ["type": "file", "options": ["file_path": .string(log)]]).status == 204)
        #expect(try await root.write("secret/data/ci/db", ["data": ["password": "plaintext-canary-9c1e"]]).status == 200)
        #expect(try await root.read("secret/data/ci/db").status == 200)
        #expect(try await VaultHTTP(address: server.address, token: "wrong-token").read("secret/data/ci/db").status == 403)

        let text = Self.lines(log).joined(separator: "\n")
        #expect(!text.contains("plaintext-canary-9c1e"), "no secret in the audit file")
        #expect(!text.contains(rootToken), "no token in the audit file")
        let entries = Self.lines(log).compactMap { try? JSONParser.parse($0).objectValue }
        #expect(entries.contains { $0["type"] == "request" && $0["request"]?.objectValue?["path"] == "secret/data/ci/db" })
        #expect(entries.contains { $0["type"] == "response" && $0["error"]?.stringValue == "permission denied" }, "denied requests are audited")

        // sys/audit-hash reproduces the logged hash of the secret and of the token.
        let secretHash = try await root.write("sys/audit-hash/file", ["input": "plaintext-canary-9c1e"]).data?["hash"]?.stringValue
        let write = try #require(entries.first { $0["type"] == "request" && $0["request"]?.objectValue?["operation"] == "update" && $0["request"]?.objectValue?["path"] == "secret/data/ci/db" })
        #expect(write["request"]?.objectValue?["data"]?.objectValue?["data"]?.objectValue?["password"]?.stringValue == secretHash)
        let tokenHash = try await root.write("sys/audit-hash/file", ["input": .string(rootToken)]).data?["hash"]?.stringValue
        #expect(write["auth"]?.objectValue?["client_token"]?.stringValue == tokenHash)
        // The response entry repeats the request entry's caller and request, hashed alike.
        let answer = try #require(entries.first { $0["type"] == "response" && $0["request"]?.objectValue?["id"] == write["request"]?.objectValue?["id"] })
        #expect(answer["auth"] == write["auth"])
        #expect(answer["request"] == write["request"])
        #expect(try await VaultHTTP(address: server.address, token: "hvs.nobody").write("sys/audit-hash/file", ["input": "x"]).status == 403)

        // Verification: intact, and against the device's recorded head.
        let listing = try await root.read("sys/audit")
        let head = try #require(listing.data?["file/"]?.objectValue?["chain_head"]?.objectValue)
        let headText = "\(head["sequence"]?.intValue ?? 0):\(head["hash"]?.stringValue ?? "")"
        let intact = try runCoffer(["audit", "verify", "-head=\(headText)", log])
        #expect(intact.status == 0, "\(intact.stderr)")
        #expect(intact.stdout.contains("Audit chain intact"))

        let original = Self.lines(log)
        let tampered: [(String, [String])] = [
            ("removed", original.enumerated().filter { $0.offset != 2 }.map(\.element)),
            ("edited", original.enumerated().map { $0.offset == 3 ? $0.element.replacingOccurrences(of: "secret/data/ci/db", with: "secret/data/ci/dc") : $0.element }),
            ("reordered", { var l = original; l.swapAt(1, 2); return l }()),
        ]
        for (name, lines) in tampered {
            let copy = directory + "/\(name).log"
            try Self.write(lines, to: copy)
            let result = try runCoffer(["audit", "verify", copy])
            #expect(result.status != 0, "\(name) log passed verification")
            #expect(result.stderr.contains("\(copy):"), "\(name): the failure names the line")
        }
        let truncated = directory + "/truncated.log"
        try Self.write(Array(original.dropLast(2)), to: truncated)
        let cut = try runCoffer(["audit", "verify", "-head=\(headText)", truncated])
        #expect(cut.status != 0)
        #expect(cut.stderr.contains("truncated"))
        try await server.stop()
    }

    @Test("unwritable, executable and storage-directory targets are refused; SIGHUP rotation keeps the chain")
    func enablingAndRotation() async throws {
        let directory = try TemporaryDirectory.make("coffer-audit-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        #expect(try await root.request("PUT", "sys/audit/full", body: ["type": "file", "options": ["file_path": "/dev/full"]]).status == 400)
        #expect(try await root.request("PUT", "sys/audit/exec", body: ["type": "file", "options": ["file_path": .string(directory + "/x.log"), "mode": "0755"]]).status == 400)
        #expect(try await root.request("PUT", "sys/audit/bad", body: ["type": "syslog"]).status == 400)
        #expect(try await root.read("sys/audit").data?.isEmpty != false)

        let log = directory + "/audit.log"
        #expect(try await root.request("PUT", "sys/audit/file", body: ["type": "file", "options": ["file_path": .string(log)]]).status == 204)
        #expect(try await root.write("cubbyhole/a", ["k": "v"]).status == 204)
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        kill(server.pid, SIGHUP)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await root.write("cubbyhole/b", ["k": "v"]).status == 204)
        #expect(FileManager.default.fileExists(atPath: log), "a new file after SIGHUP")
        let both = try runCoffer(["audit", "verify", log + ".1", log])
        #expect(both.status == 0, "\(both.stderr)")
        let newAlone = try runCoffer(["audit", "verify", log])
        #expect(newAlone.status != 0, "the new file alone continues an earlier chain")

        #expect(try await root.delete("sys/audit/file").status == 204)
        #expect(try await root.read("sys/audit").data?["file/"] == nil)
        try await server.stop()
    }

    @Test("requests fail closed when the only device cannot write, and no secret is returned")
    func failClosed() async throws {
        let directory = try TemporaryDirectory.make("coffer-audit-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        let setup = try SQLiteTestServer(directory: directory, databasePath: directory + "/data/coffer.db")
        var server = try await setup.start()
        let (key, token) = try await SQLiteTestServer.initialise(server)
        var root = VaultHTTP(address: server.address, token: token)
        #expect(try await root.request("PUT", "sys/audit/inside", body: ["type": "file", "options": ["file_path": .string(directory + "/data/audit.log")]]).status == 400, "no audit file in the storage directory")
        let log = directory + "/audit.log"
        #expect(try await root.request("PUT", "sys/audit/file", body: ["type": "file", "options": ["file_path": .string(log)]]).status == 204)
        #expect(try await root.write("sys/mounts/secret", ["type": "kv-v2"]).status == 204)
        #expect(try await root.write("secret/data/x", ["data": ["password": "must-not-leak"]]).status == 200)
        #expect(try await server.stop() == 0)

        // The device's file now points at a full disk.
        try FileManager.default.removeItem(atPath: log)
        try FileManager.default.createSymbolicLink(atPath: log, withDestinationPath: "/dev/full")
        server = try await setup.start()
        try await SQLiteTestServer.unseal(server, key: key)
        root = VaultHTTP(address: server.address, token: token)
        let read = try await root.read("secret/data/x")
        #expect(read.status == 500)
        #expect(!read.text.contains("must-not-leak"))
        #expect(try await root.write("secret/data/y", ["data": ["a": "b"]]).status == 500)
        try await server.stop()
    }
}
