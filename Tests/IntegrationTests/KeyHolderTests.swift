import CofferSDK
import CofferTesting
import Foundation
import Testing

/// What the unseal key holders do together: replace the root key and its shares (rekey), and
/// make a new root token when none is left (generate-root), as Vault's operator courses teach.
@Suite("Rekey and root token generation over HTTP")
struct KeyHolderTests {
    static func start(_ directory: String) async throws -> (SQLiteTestServer, ServerProcess, keys: [String], root: String) {
        let setup = try SQLiteTestServer(directory: directory)
        let server = try await setup.start()
        let http = VaultHTTP(address: server.address)
        let answer = try await http.request("PUT", "sys/init", body: ["secret_shares": 3, "secret_threshold": 2])
        let initialised = try #require(answer.json?.objectValue)
        let keys = (initialised["keys_base64"]?.arrayValue ?? []).compactMap(\.stringValue)
        try #require(keys.count == 3)
        for key in keys.prefix(2) { _ = try await http.request("PUT", "sys/unseal", body: ["key": .string(key)]) }
        return (setup, server, keys, try #require(initialised["root_token"]?.stringValue))
    }

    static func unseal(_ server: ServerProcess, _ keys: [String]) async throws -> JSONObject? {
        var last: HTTPResult?
        for key in keys { last = try await VaultHTTP(address: server.address).request("PUT", "sys/unseal", body: ["key": .string(key)]) }
        return last?.json?.objectValue
    }

    @Test("rekey: a threshold of current shares, each naming the nonce, replaces the root key; old shares stop working, across a restart")
    func rekey() async throws {
        let directory = try TemporaryDirectory.make("coffer-rekey-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var (setup, server, old, rootToken) = try await Self.start(directory)
        let http = VaultHTTP(address: server.address)
        #expect(try await VaultHTTP(address: server.address, token: rootToken).write("cubbyhole/kept", ["k": "v"]).status == 204)

        let idle = try #require(try await http.read("sys/rekey/init").json?.objectValue)
        #expect(idle["started"] == false && idle["required"] == 2)
        #expect(try await http.request("PUT", "sys/rekey/init", body: ["secret_shares": 2, "secret_threshold": 3]).status == 400)
        let started = try #require(try await http.request("PUT", "sys/rekey/init", body: ["secret_shares": 4, "secret_threshold": 3]).json?.objectValue)
        let nonce = try #require(started["nonce"]?.stringValue)
        #expect(started["started"] == true && started["n"] == 4 && started["t"] == 3)
        let twice = try await http.request("PUT", "sys/rekey/init", body: ["secret_shares": 4, "secret_threshold": 3])
        #expect(twice.errors == ["rekey already in progress"])

        #expect(try await http.request("PUT", "sys/rekey/update", body: ["key": .string(old[0]), "nonce": "stale"]).status == 400)
        let first = try await http.request("PUT", "sys/rekey/update", body: ["key": .string(old[0]), "nonce": .string(nonce)])
        #expect(first.json?.objectValue?["progress"] == 1)
        #expect(try await http.request("PUT", "sys/rekey/update", body: ["key": .string(old[0]), "nonce": .string(nonce)]).status == 400, "the same share twice")
        let done = try #require(try await http.request("PUT", "sys/rekey/update", body: ["key": .string(old[2]), "nonce": .string(nonce)]).json?.objectValue)
        #expect(done["complete"] == true)
        let fresh = (done["keys_base64"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(fresh.count == 4)
        #expect(try await http.read("sys/seal-status").json?.objectValue?["t"] == 3)

        // After a restart only the new shares open it, and the data is all there.
        #expect(try await server.stop() == 0)
        server = try await setup.start()
        let refused = try await Self.unseal(server, Array(old.prefix(2)))
        #expect(refused?["sealed"] != false, "the old shares no longer reconstruct the root key")
        _ = try await VaultHTTP(address: server.address).request("PUT", "sys/unseal", body: ["reset": true])
        let opened = try await Self.unseal(server, Array(fresh.suffix(3)))
        #expect(opened?["sealed"] == false)
        #expect(try await VaultHTTP(address: server.address, token: rootToken).read("cubbyhole/kept").data?["k"] == "v")

        // Shares that do not reconstruct the root key end the attempt without a change.
        let again = try #require(try await VaultHTTP(address: server.address).request("PUT", "sys/rekey/init", body: ["secret_shares": 1, "secret_threshold": 1]).json?.objectValue)
        let againNonce = try #require(again["nonce"]?.stringValue)
        var last: HTTPResult?
        for key in old { last = try await VaultHTTP(address: server.address).request("PUT", "sys/rekey/update", body: ["key": .string(key), "nonce": .string(againNonce)]) }
        #expect(last?.status == 400)
        #expect(try await VaultHTTP(address: server.address).read("sys/rekey/init").json?.objectValue?["started"] == false)
        // Cancel works, and the CLI shows the status.
        _ = try await VaultHTTP(address: server.address).request("PUT", "sys/rekey/init", body: ["secret_shares": 1, "secret_threshold": 1])
        let status = try runCoffer(["operator", "rekey", "-status"], environment: ["VAULT_ADDR": server.address])
        #expect(status.stdout.contains("Started") && status.stdout.contains("true"), "\(status.stderr)")
        #expect(try runCoffer(["operator", "rekey", "-cancel"], environment: ["VAULT_ADDR": server.address]).status == 0)
        #expect(try await VaultHTTP(address: server.address).read("sys/rekey/init").json?.objectValue?["started"] == false)
        try await server.stop()
    }

    @Test("rekey with verification: the new shares take effect only once a threshold of them comes back")
    func rekeyVerified() async throws {
        let directory = try TemporaryDirectory.make("coffer-rekey-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (_, server, old, _) = try await Self.start(directory)
        let http = VaultHTTP(address: server.address)
        #expect(try await http.read("sys/rekey/backup").errors == ["no backed-up keys found"])
        let started = try await http.request("PUT", "sys/rekey/init", body: ["secret_shares": 3, "secret_threshold": 3, "require_verification": true])
        let nonce = try #require(started.json?.objectValue?["nonce"]?.stringValue)
        #expect(started.json?.objectValue?["verification_required"] == true)
        _ = try await http.request("PUT", "sys/rekey/update", body: ["key": .string(old[0]), "nonce": .string(nonce)])
        let done = try #require(try await http.request("PUT", "sys/rekey/update", body: ["key": .string(old[1]), "nonce": .string(nonce)]).json?.objectValue)
        #expect(done["complete"] == true && done["verification_required"] == true)
        let fresh = (done["keys_base64"]?.arrayValue ?? []).compactMap(\.stringValue)
        #expect(fresh.count == 3)
        #expect(try await http.read("sys/seal-status").json?.objectValue?["t"] == 2, "not in effect before verification")
        let status = try #require(try await http.read("sys/rekey/verify").json?.objectValue)
        #expect(status["t"] == 3 && status["progress"] == 0)
        let restarted = try #require(try await http.request("DELETE", "sys/rekey/verify").json?.objectValue?["nonce"]?.stringValue)
        #expect(restarted != status["nonce"]?.stringValue)
        #expect(try await http.request("PUT", "sys/rekey/verify", body: ["key": .string(fresh[0]), "nonce": "stale"]).status == 400)
        var last: HTTPResult?
        for key in fresh { last = try await http.request("PUT", "sys/rekey/verify", body: ["key": .string(key), "nonce": .string(restarted)]) }
        #expect(last?.json?.objectValue?["complete"] == true)
        #expect(try await http.read("sys/seal-status").json?.objectValue?["t"] == 3)
        try await server.stop()
    }

    @Test("generate-root: the key holders make a new root token, sent encoded under a one-time pad only the starter holds")
    func generateRoot() async throws {
        let directory = try TemporaryDirectory.make("coffer-genroot-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (_, server, keys, _) = try await Self.start(directory)
        let http = VaultHTTP(address: server.address)
        let env = ["VAULT_ADDR": server.address]
        #expect(try await http.request("PUT", "sys/generate-root/attempt", body: ["otp": "short"]).status == 400)

        // Through the CLI, as an operator would.
        let initOut = try runCoffer(["operator", "generate-root", "-init", "-format=json"], environment: env)
        let status = try #require((try? JSONParser.parse(initOut.stdout))?.objectValue, "\(initOut.stderr)")
        let otp = try #require(status["otp"]?.stringValue)
        #expect(otp.count == 28 && status["otp_length"] == 28)
        #expect(try await http.read("sys/generate-root/attempt").json?.objectValue?["otp"] == "", "the pad is shown only once")
        let progress = try runCoffer(["operator", "generate-root", keys[1]], environment: env)
        #expect(progress.stdout.contains("1/2"), "\(progress.stderr)")
        let final = try runCoffer(["operator", "generate-root", "-format=json", keys[2]], environment: env)
        let result = try #require((try? JSONParser.parse(final.stdout))?.objectValue, "\(final.stderr)")
        #expect(result["complete"] == true)
        let encoded = try #require(result["encoded_token"]?.stringValue)
        #expect(!encoded.isEmpty && !final.stdout.contains("hvs."))
        let decoded = try runCoffer(["operator", "generate-root", "-decode=\(encoded)", "-otp=\(otp)"], environment: env)
        let token = decoded.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("hvs."))
        let lookup = try await VaultHTTP(address: server.address, token: token).read("auth/token/lookup-self")
        #expect(lookup.data?["policies"] == ["root"])

        // Wrong shares: the attempt ends and nothing is issued.
        let attempt = try #require(try await http.request("PUT", "sys/generate-root/attempt", body: [:]).json?.objectValue)
        let nonce = try #require(attempt["nonce"]?.stringValue)
        let bogus = [Array(repeating: UInt8(7), count: 33), Array(repeating: UInt8(9), count: 33)].map { Data($0).base64EncodedString() }
        _ = try await http.request("PUT", "sys/generate-root/update", body: ["key": .string(bogus[0]), "nonce": .string(nonce)])
        let wrong = try await http.request("PUT", "sys/generate-root/update", body: ["key": .string(bogus[1]), "nonce": .string(nonce)])
        #expect(wrong.status == 400)
        #expect(wrong.json?.objectValue?["encoded_token"] == nil)
        try await server.stop()
    }
}
