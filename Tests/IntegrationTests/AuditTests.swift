import CofferSDK
import CofferTesting
import Foundation
import Testing

@Suite("Keyed-chain audit device over HTTP")
struct AuditTests {
    static func lines(_ path: String) -> [String] {
        String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    static func write(_ lines: [String], to path: String) throws {
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test("two devices each log every request with their own salt; disabling one leaves the other logging")
    func twoDevices() async throws {
        let directory = try TemporaryDirectory.make("coffer-audit-two-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        let first = directory + "/a.log", second = directory + "/b.log"
        #expect(try await root.request("PUT", "sys/audit/a", body: ["type": "file", "options": ["file_path": .string(first)]]).status == 204)
        #expect(try await root.request("PUT", "sys/audit/b", body: ["type": "file", "options": ["file_path": .string(second)]]).status == 204)
        #expect(try await root.write("secret/data/two", ["data": ["k": "v"]]).status == 200)
        #expect(try await root.read("secret/data/two").status == 200)

        var hashes = [String]()
        for (path, name) in [(first, "a"), (second, "b")] {
            let entries = Self.lines(path).compactMap { try? JSONParser.parse($0).objectValue }
            let asked = try #require(entries.first { $0["type"] == "request" && $0["request"]?.objectValue?["operation"] == "read" })
            let answered = try #require(entries.first { $0["type"] == "response" && $0["request"]?.objectValue?["id"] == asked["request"]?.objectValue?["id"] })
            // Each device's response entry repeats its own request entry's parts.
            #expect(answered["auth"] == asked["auth"] && answered["request"] == asked["request"])
            let token = try #require(asked["auth"]?.objectValue?["client_token"]?.stringValue)
            #expect(try await root.write("sys/audit-hash/\(name)", ["input": "root"]).data?["hash"]?.stringValue == token)
            hashes.append(token)
        }
        #expect(hashes[0] != hashes[1], "each device hashes with its own salt")

        #expect(try await root.delete("sys/audit/a").status == 204)
        let (before, beforeOther) = (Self.lines(first).count, Self.lines(second).count)
        #expect(try await root.read("secret/data/two").status == 200)
        #expect(Self.lines(first).count == before, "a disabled device is not written")
        #expect(Self.lines(second).count == beforeOther + 2)
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

        // Verification runs in the server, against the device's key and live head.
        let env = ["VAULT_ADDR": server.address, "VAULT_TOKEN": rootToken]
        let intact = try runCoffer(["audit", "verify", "file"], environment: env)
        #expect(intact.status == 0, "\(intact.stderr)")
        #expect(intact.stdout.contains("Audit chain intact"))

        let original = Self.lines(log)
        let lastIndex = original.count - 1
        func edit(_ line: String) -> String { line.replacingOccurrences(of: "secret/data/ci/db", with: "secret/data/ci/dc") }
        // What someone who can write the file, but holds no key, can do to it.
        let recomputed: (String) -> String = { line in
            // Edit, then put a freshly computed tag in place: without the key it cannot be the right one.
            let cut = line.range(of: ",\"chain_hmac\":\"", options: .backwards)!
            return edit(String(line[..<cut.lowerBound])) + ",\"chain_hmac\":\"" + String(repeating: "ab", count: 32) + "\"}"
        }
        let tampered: [(String, [String], String)] = [
            ("removed", original.enumerated().filter { $0.offset != 2 }.map(\.element), "audit.log.removed:3:"),
            ("edited", original.enumerated().map { $0.offset == 3 ? edit($0.element) : $0.element }, "audit.log.edited:4:"),
            ("reordered", { var l = original; l.swapAt(1, 2); return l }(), "audit.log.reordered:2:"),
            ("truncated", Array(original.dropLast(2)), "truncated"),
            ("recomputed", original.enumerated().map { $0.offset >= lastIndex - 1 ? recomputed($0.element) : $0.element }, "audit.log.recomputed:\(lastIndex):"),
            ("appended", original + [original[lastIndex]], "audit.log.appended:\(lastIndex + 2):"),
            ("lastedit", original.enumerated().map { $0.offset == lastIndex ? $0.element.replacingOccurrences(of: "\"type\":\"response\"", with: "\"type\":\"respons3\"") : $0.element }, "audit.log.lastedit:\(lastIndex + 1):"),
        ]
        for (name, lines, expected) in tampered {
            let copy = log + "." + name
            try Self.write(lines, to: copy)
            let result = try runCoffer(["audit", "verify", "file", copy], environment: env)
            #expect(result.status == 2, "\(name) log passed verification")
            #expect(result.stderr.contains(expected), "\(name): \(result.stderr)")
        }
        // The endpoint reads only the device's own file and its rotated copies, never a link.
        let elsewhere = try await root.write("sys/audit-verify/file", ["files": ["/etc/passwd"]])
        #expect(elsewhere.status == 400)
        try "x".write(toFile: log + "x", atomically: true, encoding: .utf8)
        #expect(try await root.write("sys/audit-verify/file", ["files": .strings([log + "x"])]).status == 400, "audit.logx is not a rotated copy")
        try FileManager.default.createSymbolicLink(atPath: log + ".link", withDestinationPath: "/etc/passwd")
        #expect(try await root.write("sys/audit-verify/file", ["files": .strings([log + ".link"])]).status == 400)
        #expect(try await root.write("sys/audit-verify/file", ["start": .string("999999:" + AuditHeads.any)]).status == 400, "a start past the head")
        #expect(try await VaultHTTP(address: server.address, token: "hvs.nobody").write("sys/audit-verify/file", [:]).status == 403)
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
        let env = ["VAULT_ADDR": server.address, "VAULT_TOKEN": "root"]
        let both = try runCoffer(["audit", "verify", "file", log + ".1", log], environment: env)
        #expect(both.status == 0, "\(both.stderr)")
        let newAlone = try runCoffer(["audit", "verify", "file", log], environment: env)
        #expect(newAlone.status == 2, "the new file alone continues an earlier chain")

        #expect(try await root.delete("sys/audit/file").status == 204)
        #expect(try await root.read("sys/audit").data?["file/"] == nil)
        try await server.stop()
    }

    @Test("across restarts the chain goes on; a line appended while the server was down is not adopted and is found")
    func appendedWhileDown() async throws {
        let directory = try TemporaryDirectory.make("coffer-audit-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        let setup = try SQLiteTestServer(directory: directory, databasePath: directory + "/data/coffer.db")
        var server = try await setup.start()
        let (key, token) = try await SQLiteTestServer.initialise(server)
        var root = VaultHTTP(address: server.address, token: token)
        let log = directory + "/audit.log"
        #expect(try await root.request("PUT", "sys/audit/file", body: ["type": "file", "options": ["file_path": .string(log)]]).status == 204)
        #expect(try await root.write("cubbyhole/a", ["k": "v"]).status == 204)
        // A kill leaves entries past the persisted head (flushed once a second): they are the
        // device's own, carry valid tags, and are adopted at the next start.
        #expect(try await server.stop(signal: SIGKILL) != 0)
        server = try await setup.start()
        try await SQLiteTestServer.unseal(server, key: key)
        root = VaultHTTP(address: server.address, token: token)
        #expect(try await root.write("cubbyhole/b", ["k": "v"]).status == 204)
        var env = ["VAULT_ADDR": server.address, "VAULT_TOKEN": token]
        let clean = try runCoffer(["audit", "verify", "file"], environment: env)
        #expect(clean.status == 0, "\(clean.stderr)")
        #expect(try await server.stop() == 0)

        // While the server is down, someone appends a copy of a real entry with the next sequence.
        var lines = Self.lines(log)
        let forged = lines[lines.count - 1]
            .replacingOccurrences(of: #""sequence":\#(lines.count)"#, with: #""sequence":\#(lines.count + 1)"#)
        lines.append(forged)
        try Self.write(lines, to: log)
        let forgedLine = lines.count
        server = try await setup.start()
        try await SQLiteTestServer.unseal(server, key: key)
        root = VaultHTTP(address: server.address, token: token)
        #expect(try await root.write("cubbyhole/c", ["k": "v"]).status == 204)
        env["VAULT_ADDR"] = server.address
        let found = try runCoffer(["audit", "verify", "file"], environment: env)
        #expect(found.status == 2)
        #expect(found.stderr.contains("audit.log:\(forgedLine):"), "\(found.stderr)")
        // The device went on from the last genuine entry, not from the forged one.
        let head = try await root.read("sys/audit").data?["file/"]?.objectValue?["chain_head"]?.objectValue
        #expect((head?["sequence"]?.intValue ?? 0) > Int64(forgedLine - 1))
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
        #expect(try await server.stop() == 0)

        // The refused write never ran: its request entry could not be written first.
        try FileManager.default.removeItem(atPath: log)
        server = try await setup.start()
        try await SQLiteTestServer.unseal(server, key: key)
        root = VaultHTTP(address: server.address, token: token)
        #expect(try await root.read("secret/data/x").status == 200)
        #expect(try await root.read("secret/data/y").status == 404)
        try await server.stop()
    }

    @Test("a request that changes nothing is logged with its answer in one append, exactly as one logged before it runs")
    func readsLoggedWithTheirAnswer() async throws {
        let directory = try TemporaryDirectory.make("coffer-audit-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        let log = directory + "/audit.log"
        #expect(try await root.request("PUT", "sys/audit/file", body: ["type": "file", "options": ["file_path": .string(log)]]).status == 204)
        #expect(try await root.write("secret/data/x", ["data": ["password": "p"]]).status == 200)
        #expect(try await root.read("secret/data/x?version=abc").status == 400)
        let created = try await root.write("auth/token/create", ["num_uses": 5, "policies": ["root"]])
        let limited = try #require(created.json?.objectValue?["auth"]?.objectValue?["client_token"]?.stringValue)
        #expect(try await VaultHTTP(address: server.address, token: limited).read("secret/data/x").status == 200)
        #expect(try await root.request("GET", "secret/data/x", headers: ["X-Vault-Wrap-TTL": "60"]).status == 200)
        // Reads in parallel: a read's two entries go out in one append, so nothing comes between them.
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<48 { group.addTask { try await root.read("secret/data/x").status } }
            for try await status in group { #expect(status == 200) }
        }

        let entries = Self.lines(log).compactMap { try? JSONParser.parse($0).objectValue }
        func pair(_ id: JSONValue?) -> (request: JSONObject, response: JSONObject)? {
            let both = entries.filter { $0["request"]?.objectValue?["id"] == id && $0["type"] != "audit_device_enabled" }
            guard both.count == 2, both[0]["type"] == "request", both[1]["type"] == "response" else { return nil }
            return (both[0], both[1])
        }
        let requests = entries.filter { $0["type"] == "request" }
        #expect(requests.count == 53)
        for entry in requests {
            let id = entry["request"]?.objectValue?["id"]
            let (request, response) = try #require(pair(id), "one request and one response entry for \(String(describing: id))")
            #expect((request["time"]?.stringValue ?? "~") <= (response["time"]?.stringValue ?? ""), "the request entry keeps the request's time")
            #expect(response["auth"] == request["auth"] && response["request"] == request["request"])
            #expect(request["error"] == nil, "every request here passed its checks")
        }
        // The reads by a root token without wrapping: request and response are neighbours.
        let plainReads = requests.filter {
            $0["request"]?.objectValue?["operation"] == "read" && $0["request"]?.objectValue?["wrap_ttl"]?.intValue == 0
        }
        let adjacent = plainReads.filter { request in
            guard let sequence = request["sequence"]?.intValue, let (_, response) = pair(request["request"]?.objectValue?["id"]) else { return false }
            return response["sequence"]?.intValue == sequence + 1
        }
        #expect(adjacent.count == plainReads.count, "\(plainReads.count - adjacent.count) reads had other entries between request and response")
        // Callers alternate; each entry shows its own caller (the device keeps callers' rendered
        // auth members).
        #expect(try await root.request("PUT", "sys/policies/acl/reader", body: ["policy": #"path "secret/data/*" { capabilities = ["read"] }"#]).status == 204)
        let reader = try #require(try await root.write("auth/token/create", ["policies": ["reader"], "display_name": "ci"]).json?.objectValue?["auth"]?.objectValue?["client_token"]?.stringValue)
        for caller in [reader, "root", reader, "root"] {
            #expect(try await VaultHTTP(address: server.address, token: caller).read("secret/data/x").status == 200)
        }
        let readerHash = try await root.write("sys/audit-hash/file", ["input": .string(reader)]).data?["hash"]
        let rootHash = try await root.write("sys/audit-hash/file", ["input": "root"]).data?["hash"]
        let lastReads = Self.lines(log).compactMap { try? JSONParser.parse($0).objectValue }
            .filter { $0["request"]?.objectValue?["path"] == "secret/data/x" && $0["request"]?.objectValue?["operation"] == "read" }.suffix(8)
        #expect(lastReads.map { $0["auth"]?.objectValue?["client_token"] } == [readerHash, readerHash, rootHash, rootHash, readerHash, readerHash, rootHash, rootHash])
        #expect(lastReads.map { $0["auth"]?.objectValue?["policies"] } == [["default", "reader"], ["default", "reader"], ["root"], ["root"], ["default", "reader"], ["default", "reader"], ["root"], ["root"]])
        #expect(lastReads.map { $0["auth"]?.objectValue?["display_name"]?.stringValue } == ["token-ci", "token-ci", "root", "root", "token-ci", "token-ci", "root", "root"])
        // The failed read: its response says why; its request entry carries no error, as the
        // entry written before the handler ran did.
        let failed = try #require(entries.first { $0["type"] == "response" && ($0["error"]?.stringValue ?? "").contains("version") })
        #expect(pair(failed["request"]?.objectValue?["id"])?.request["error"] == nil)
        let intact = try await root.write("sys/audit-verify/file", [:])
        #expect(intact.data?["intact"] == true)
        try await server.stop()
    }
}

/// Test values for chain heads.
enum AuditHeads {
    /// A well-formed tag that matches nothing.
    static let any = "hmac-sha256:" + String(repeating: "ab", count: 32)
}
