import CofferSDK
import CofferTesting
import Foundation
import Testing

@Suite("Leases over HTTP")
struct LeaseHTTPTests {
    static func createToken(_ root: VaultHTTP, ttl: String, extra: JSONObject = [:]) async throws -> String {
        var body: JSONObject = ["policies": ["default"], "ttl": .string(ttl)]
        for (key, value) in extra { body[key] = value }
        let created = try await root.write("auth/token/create", .object(body))
        return try #require(created.json?.objectValue?["auth"]?.objectValue?["client_token"]?.stringValue)
    }

    static func tokenLeases(_ root: VaultHTTP) async throws -> [String] {
        let listed = try await root.list("sys/leases/lookup/auth/token/create")
        return listed.data?["keys"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    @Test("a token's lease is revoked at its TTL without anyone touching the token")
    func proactiveExpiry() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        let created = ContinuousClock.now
        let token = try await Self.createToken(root, ttl: "5s")
        let leases = try await Self.tokenLeases(root)
        // On a machine loaded enough that the list came after the TTL, the lease may already be
        // gone; the checks on the live lease then have nothing to look at, the rest still holds.
        if ContinuousClock.now - created < .seconds(4) {
            try #require(leases.count == 1)
            let lookup = try await root.write("sys/leases/lookup", ["lease_id": .string("auth/token/create/" + leases[0])])
            #expect(lookup.status == 200)
            #expect((lookup.data?["ttl"]?.intValue ?? 99) <= 5)
        }
        try await Task.sleep(until: created + .seconds(7), clock: .continuous)
        #expect(try await Self.tokenLeases(root).isEmpty, "the manager revoked it on time")
        #expect(try await VaultHTTP(address: server.address, token: token).read("auth/token/lookup-self").status == 403)
        try await server.stop()
    }

    @Test("revoke-prefix needs sudo and revokes every token under the path; renew is capped")
    func prefixAndRenew() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        var tokens = [String]()
        for _ in 0..<3 { tokens.append(try await Self.createToken(root, ttl: "1h")) }
        let plain = VaultHTTP(address: server.address, token: tokens[0])
        #expect(try await plain.write("sys/leases/revoke-prefix/auth/token/create").status == 403)

        let capped = try await Self.createToken(root, ttl: "1m", extra: ["explicit_max_ttl": "90s"])
        var cappedLease = ""
        for lease in try await Self.tokenLeases(root) {
            let ttl = try await root.write("sys/leases/lookup", ["lease_id": .string("auth/token/create/" + lease)]).data?["ttl"]?.intValue ?? 0
            if ttl <= 60 { cappedLease = lease }
        }
        try #require(!cappedLease.isEmpty)
        let renewed = try await root.write("sys/leases/renew", ["lease_id": .string("auth/token/create/" + cappedLease), "increment": "1h"])
        #expect(renewed.status == 200)
        #expect((renewed.json?.objectValue?["lease_duration"]?.intValue ?? 999) <= 90)
        #expect(renewed.json?.objectValue?["lease_id"]?.stringValue == "auth/token/create/" + cappedLease)
        _ = capped

        #expect(try await root.write("sys/leases/revoke-prefix/auth/token/create").status == 204)
        for token in tokens {
            #expect(try await VaultHTTP(address: server.address, token: token).read("auth/token/lookup-self").status == 403)
        }
        #expect(try await Self.tokenLeases(root).isEmpty)
        #expect(try await root.read("sys/leases/count").data?["lease_count"] == 0)
        try await server.stop()
    }

    @Test("leases that expire while the server is down are revoked right after unseal")
    func expiryAcrossRestart() async throws {
        let directory = try TemporaryDirectory.make("coffer-lease-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let setup = try SQLiteTestServer(directory: directory)
        var server = try await setup.start()
        let (key, rootToken) = try await SQLiteTestServer.initialise(server)
        var root = VaultHTTP(address: server.address, token: rootToken)
        // Long enough that both leases are still there when listed on a machine busy with the
        // rest of the suite (with 2 s, a CI run once listed after the short one had gone).
        let shortTTL = Duration.seconds(8)
        let created = ContinuousClock.now
        let short = try await Self.createToken(root, ttl: "8s")
        let long = try await Self.createToken(root, ttl: "1h")
        #expect(try await Self.tokenLeases(root).count == 2)
        #expect(try await server.stop() == 0)

        try await Task.sleep(until: created + shortTTL + .milliseconds(500))
        server = try await setup.start()
        try await SQLiteTestServer.unseal(server, key: key)
        root = VaultHTTP(address: server.address, token: rootToken)
        var remaining = try await Self.tokenLeases(root)
        for _ in 0..<20 where remaining.count != 1 {
            try await Task.sleep(for: .milliseconds(100))
            remaining = try await Self.tokenLeases(root)
        }
        #expect(remaining.count == 1, "the expired token's lease was revoked at unseal")
        #expect(try await VaultHTTP(address: server.address, token: short).read("auth/token/lookup-self").status == 403)
        #expect(try await VaultHTTP(address: server.address, token: long).read("auth/token/lookup-self").status == 200)
        try await server.stop()
    }
}
