import CofferSDK
import CofferTesting
import Foundation
import Testing

@Suite("Dev server over HTTP")
struct DevServerTests {
    @Test("dev mode starts unsealed with secret/ and cubbyhole/, and answers like Vault")
    func devMode() async throws {
        let started = ContinuousClock.now
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let anonymous = VaultHTTP(address: server.address)
        let health = try await anonymous.read("sys/health")
        print("dev server: first response \(ContinuousClock.now - started) after launch (measured, not asserted)")
        #expect(server.rootToken == "root")
        #expect(server.unsealKey?.isEmpty == false)
        #expect(health.status == 200)
        #expect(health.json?.objectValue?["sealed"] == false)
        #expect(health.json?.objectValue?["initialized"] == true)
        // Every response is dated, as RFC 9110 asks of a server with a clock (IMF-fixdate, GMT).
        let date = try #require(health.headers["date"])
        #expect(date.hasSuffix(" GMT") && date.count == 29, "\(date)")

        let root = VaultHTTP(address: server.address, token: "root")
        let mounts = try await root.read("sys/mounts")
        #expect(mounts.data?["secret/"]?.objectValue?["options"] == ["version": "2"])
        #expect(mounts.data?["cubbyhole/"]?.objectValue?["type"] == "cubbyhole")

        let written = try await root.write("secret/data/ci/app", ["data": ["password": "s3cr3t"]])
        #expect(written.status == 200)
        #expect(written.data?["version"] == 1)
        let read = try await root.read("secret/data/ci/app")
        #expect(read.status == 200)
        #expect(read.data?["data"] == ["password": "s3cr3t"])
        #expect(read.json?.objectValue?["mount_type"] == "kv")
        #expect(read.json?.objectValue?.keys.sorted() == ["auth", "data", "lease_duration", "lease_id", "mount_type", "renewable", "request_id", "warnings", "wrap_info"])

        let listed = try await root.list("secret/metadata/ci")
        #expect(listed.status == 200)
        #expect(listed.data?["keys"] == ["app"])
        let listedByQuery = try await root.request("GET", "secret/metadata/ci?list=true")
        #expect(listedByQuery.data?["keys"] == ["app"])

        let bearer = try await anonymous.request("GET", "secret/data/ci/app", headers: ["Authorization": "Bearer root", "X-Vault-Request": "true"])
        #expect(bearer.status == 200)

        let cubby = try await root.write("cubbyhole/note", ["k": "v"])
        #expect(cubby.status == 204)
        #expect(try await root.read("cubbyhole/note").data == ["k": "v"])

        let code = try await server.stop()
        #expect(code == 0)
        #expect(server.standardError.contains("shutdown complete"))
        #expect(!server.standardError.contains("s3cr3t"))
    }

    @Test("errors use Vault's shape and status codes")
    func errors() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")

        let noToken = try await VaultHTTP(address: server.address).read("secret/data/x")
        #expect(noToken.status == 403)
        #expect(noToken.errors == ["permission denied"])
        #expect(try await VaultHTTP(address: server.address, token: "hvs.wrong").read("secret/data/x").status == 403)

        let missing = try await root.read("secret/data/does-not-exist")
        #expect(missing.status == 404)
        #expect(missing.json == ["errors": []])
        let unrouted = try await root.read("nowhere/x")
        #expect(unrouted.status == 404)
        #expect(unrouted.errors.first?.contains("no handler for route") == true)

        #expect(try await root.request("PUT", "sys/seal-status").status == 405)
        #expect(try await root.request("PATCH", "sys/mounts", headers: ["Content-Type": "application/merge-patch+json"]).status == 405)
        // As Vault: PATCH takes merge patches only; no type is a 400, another type a 415.
        #expect(try await root.request("PATCH", "sys/mounts").status == 400)
        let wrongType = try await root.request("PATCH", "secret/data/x", body: ["data": ["a": "b"]])
        #expect(wrongType.status == 415)
        #expect(wrongType.errors == [#"PATCH requires Content-Type of application/merge-patch+json, got "application/json""#])

        let malformed = try await root.request("POST", "secret/data/x", rawBody: Array("{\"data\":".utf8))
        #expect(malformed.status == 400)
        #expect(malformed.errors.first?.contains("failed to parse JSON input") == true)
        #expect(try await root.request("POST", "secret/data/x", rawBody: Array("[1,2]".utf8)).status == 400)
        let noData = try await root.write("secret/data/x", ["nodata": 1])
        #expect(noData.status == 400)
        #expect(noData.errors == ["no data provided"])

        let huge = [UInt8](repeating: UInt8(ascii: " "), count: 32 * 1024 * 1024 + 10)
        let tooLarge = try await root.request("POST", "secret/data/x", rawBody: huge)
        #expect(tooLarge.status == 413)

        let badWrap = try await root.request("GET", "secret/data/x", headers: ["X-Vault-Wrap-TTL": "soon"])
        #expect(badWrap.status == 400)
        try await server.stop()
    }

    @Test("flags in the separate-value form and from the environment")
    func environmentAndFlagForms() async throws {
        let server = try await ServerProcess.start(
            ["server", "-dev", "-dev-listen-address", "127.0.0.1:0"], environment: ["VAULT_DEV_ROOT_TOKEN_ID": "from-env"])
        #expect(server.rootToken == "from-env")
        let status = try await VaultHTTP(address: server.address, token: "from-env").read("sys/mounts")
        #expect(status.status == 200)
        try await server.stop(signal: SIGINT)
        #expect(!server.isRunning)
    }

    @Test("bad command lines exit 1 with a message")
    func badCommandLines() throws {
        let unknown = try runCoffer(["server", "-dev", "-no-such-flag"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("flag provided but not defined: -no-such-flag"))
        let noConfig = try runCoffer(["server"])
        #expect(noConfig.status == 1)
        #expect(noConfig.stderr.contains("-config"))
        let help = try runCoffer(["server", "-h"])
        #expect(help.status == 0 && help.stdout.hasPrefix("Usage: coffer server"))
        let verifyHelp = try runCoffer(["audit", "verify", "-help"])
        #expect(verifyHelp.status == 0 && verifyHelp.stdout.hasPrefix("Usage: coffer audit verify"))
        let verifyBad = try runCoffer(["audit", "verify", "-bogus", "file"])
        #expect(verifyBad.status == 1)
        #expect(verifyBad.stderr.contains("flag provided but not defined: -bogus"))
        let verifyNothing = try runCoffer(["audit", "verify"])
        #expect(verifyNothing.status == 1)
        #expect(verifyNothing.stderr.contains("expected an audit device path"))
        let version = try runCoffer(["version"])
        #expect(version.status == 0 && version.stdout.hasPrefix("Coffer v"))
    }
}
