import CofferSDK
import CofferTesting
import Foundation
import Synchronization
import Testing

/// Several coffer processes sharing one PostgreSQL database, electing one active node.
@Suite("HA on PostgreSQL: active and standby nodes", .enabled(if: TestPostgres.available, "no COFFER_TEST_POSTGRES_URL; run scripts/test"))
struct PostgresHATests {
    struct Leader: Equatable {
        var isSelf: Bool
        var address: String
    }

    static func leader(_ address: String) async -> Leader? {
        guard let body = try? await VaultHTTP(address: address).read("sys/leader").json?.objectValue,
            body["ha_enabled"] == true, let isSelf = body["is_self"]?.boolValue, let leader = body["leader_address"]?.stringValue
        else { return nil }
        return Leader(isSelf: isSelf, address: leader)
    }

    /// Waits until `condition` holds; returns the seconds it took, or nil after `timeout`.
    static func waitUntil(_ timeout: Double, _ condition: () async -> Bool) async -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < timeout {
            if await condition() { return Date().timeIntervalSince(start) }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return nil
    }

    /// The one active node's address when exactly one of `addresses` is active and every other
    /// one names it as the leader.
    static func soleActive(_ addresses: [String]) async -> String? {
        var leaders = [String: Leader]()
        for address in addresses {
            guard let leader = await leader(address) else { return nil }
            leaders[address] = leader
        }
        let active = leaders.filter(\.value.isSelf).map(\.key)
        guard active.count == 1, let one = active.first else { return nil }
        return leaders.allSatisfy { $0.key == one || $0.value.address == one } ? one : nil
    }

    static func health(_ address: String, _ query: String = "") async throws -> (status: Int, standby: Bool?) {
        let result = try await VaultHTTP(address: address).read("sys/health" + query)
        return (result.status, result.json?.objectValue?["standby"]?.boolValue)
    }

    @Test("two nodes: one active, a standby forwards or redirects, kill -9 fails over within 20 s, handing over by step-down and seal")
    func twoNodes() async throws {
        let nodes = try PostgresNodes("ha2")
        defer { nodes.cleanUp() }
        let configA = try nodes.config(1, ha: true)
        let configB = try nodes.config(2, ha: true)
        var nodeA = try await ServerProcess.start(configPath: configA.path)
        let (key, token) = try await SQLiteTestServer.initialise(nodeA)
        let nodeB = try await ServerProcess.start(configPath: configB.path)
        try await SQLiteTestServer.unseal(nodeB, key: key)
        let both = [configA.address, configB.address]
        #expect(await Self.waitUntil(10) { await Self.soleActive(both) != nil } != nil)
        let active = try #require(await Self.soleActive(both))
        let standby = active == configA.address ? configB.address : configA.address

        // Health: the standby answers 429 (or the active code when standbyok), unsealed.
        let activeHealth = try await Self.health(active)
        #expect(activeHealth.status == 200 && activeHealth.standby == false)
        let standbyHealth = try await Self.health(standby)
        #expect(standbyHealth.status == 429 && standbyHealth.standby == true)
        #expect(try await Self.health(standby, "?standbyok=true").status == 200)
        #expect(try await Self.health(standby, "?standbycode=299").status == 299)
        #expect(try await VaultHTTP(address: standby).read("sys/seal-status").json?.objectValue?["sealed"] == false)

        // Writes through the standby land on the active node.
        let viaStandby = VaultHTTP(address: standby, token: token)
        let viaActive = VaultHTTP(address: active, token: token)
        #expect(try await viaStandby.write("sys/mounts/kv", ["type": "kv"]).status == 204)
        #expect(try await viaStandby.write("kv/through-standby", ["v": "1"]).status == 204)
        #expect(try await viaActive.read("kv/through-standby").data?["v"] == "1")
        #expect(try await viaStandby.read("kv/through-standby").data?["v"] == "1")
        #expect(try await viaStandby.list("kv").data?["keys"] == ["through-standby"])
        #expect(try await VaultHTTP(address: standby).read("kv/through-standby").status == 403)

        // A client that refuses forwarding is sent to the active node's api_addr.
        let raw = try await RawHTTP.exchange(
            standby,
            Array("GET /v1/kv/through-standby?x=1 HTTP/1.1\r\nHost: x\r\nX-Vault-Token: \(token)\r\nX-Vault-No-Request-Forwarding: true\r\nConnection: close\r\n\r\n".utf8),
            timeout: 5
        )
        #expect(raw.status == 307, "\(raw.text)")
        #expect(raw.text.lowercased().contains("location: \(active)/v1/kv/through-standby?x=1".lowercased()), "\(raw.text)")
        // A standby cannot be sealed: it says so rather than sealing the active node.
        let sealStandby = try await viaStandby.write("sys/seal")
        #expect(sealStandby.status == 500 && sealStandby.errors.first?.contains("standby") == true)

        // kill -9 the active node while a client writes: every acknowledged write survives.
        let killedIsA = active == configA.address
        let acknowledged = Acknowledged()
        let writer = Task {
            var n = 0
            while !Task.isCancelled {
                if (try? await viaActive.write("kv/load/\(n)", ["n": .int(Int64(n))]).status) == 204 { acknowledged.add(n) } else { break }
                n += 1
            }
        }
        // Kill once a good number of writes were acknowledged, however loaded the machine is.
        _ = await Self.waitUntil(15) { acknowledged.values.count >= 20 }
        try await (killedIsA ? nodeA : nodeB).stop(signal: SIGKILL)
        let killedAt = Date()
        _ = await writer.result
        let tookOver = await Self.waitUntil(25) {
            guard await Self.leader(standby)?.isSelf == true else { return false }
            return (try? await viaStandby.read("kv/through-standby").status) == 200
        }
        let failover = Date().timeIntervalSince(killedAt)
        #expect(tookOver != nil && failover <= 20, "failover took \(failover) s")
        let written = acknowledged.values
        #expect(written.count > 10)
        for n in written {
            #expect(try await viaStandby.read("kv/load/\(n)").data?["n"] == .int(Int64(n)), "acknowledged write \(n) is lost")
        }

        // The killed node comes back (sealed), and once unsealed it stands by.
        let restartedConfig = killedIsA ? configA : configB
        let restarted = try await ServerProcess.start(configPath: restartedConfig.path)
        if killedIsA { nodeA = restarted }
        try await SQLiteTestServer.unseal(restarted, key: key)
        #expect(await Self.waitUntil(10) { await Self.soleActive(both) == standby } != nil)
        #expect(try await Self.health(restartedConfig.address).status == 429)

        // Step-down (sent to the standby, forwarded): the other node takes over.
        #expect(try await VaultHTTP(address: restartedConfig.address, token: token).write("sys/step-down").status == 204)
        #expect(await Self.waitUntil(10) { await Self.soleActive(both) == restartedConfig.address } != nil)
        #expect(try await VaultHTTP(address: standby, token: token).read("kv/load/0").data?["n"] == 0)

        // Sealing the active node hands over too.
        #expect(try await VaultHTTP(address: restartedConfig.address, token: token).write("sys/seal").status == 204)
        #expect(await Self.waitUntil(10) { await Self.leader(standby)?.isSelf == true } != nil)
        #expect(try await VaultHTTP(address: restartedConfig.address).read("sys/seal-status").json?.objectValue?["sealed"] == true)
        #expect(try await VaultHTTP(address: standby, token: token).read("kv/through-standby").data?["v"] == "1")

        try await restarted.stop()
        try await (killedIsA ? nodeB : nodeA).stop()
    }

    @Test("three nodes: exactly one active; a short-lived token made before a failover expires after it")
    func threeNodes() async throws {
        let nodes = try PostgresNodes("ha3")
        defer { nodes.cleanUp() }
        let configs = try (1...3).map { try nodes.config($0, ha: true) }
        let first = try await ServerProcess.start(configPath: configs[0].path)
        let (key, token) = try await SQLiteTestServer.initialise(first)
        var servers = [configs[0].address: first]
        for config in configs.dropFirst() {
            let server = try await ServerProcess.start(configPath: config.path)
            try await SQLiteTestServer.unseal(server, key: key)
            servers[config.address] = server
        }
        let all = configs.map(\.address)
        #expect(await Self.waitUntil(10) { await Self.soleActive(all) != nil } != nil)
        let active = try #require(await Self.soleActive(all))
        var statuses = [Int]()
        for address in all { statuses.append(try await Self.health(address).status) }
        #expect(statuses.sorted() == [200, 429, 429])

        // A token that lives 6 seconds, and a background-revocation witness: its accessor.
        let root = VaultHTTP(address: active, token: token)
        let created = try await root.write("auth/token/create", ["ttl": "6s", "policies": ["default"]])
        let auth = try #require(created.json?.objectValue?["auth"]?.objectValue)
        let shortLived = try #require(auth["client_token"]?.stringValue)
        let accessor = try #require(auth["accessor"]?.stringValue)
        #expect(try await VaultHTTP(address: active, token: shortLived).read("auth/token/lookup-self").status == 200)
        let createdAt = Date()

        // The active node dies; one of the other two takes over.
        try await servers[active]!.stop(signal: SIGKILL)
        let rest = all.filter { $0 != active }
        #expect(await Self.waitUntil(20) { await Self.soleActive(rest) != nil } != nil)
        let next = try #require(await Self.soleActive(rest))

        // The new active node's expiration manager revokes the token on time.
        let after = VaultHTTP(address: next, token: token)
        let revoked = await Self.waitUntil(30) {
            (try? await after.write("auth/token/lookup-accessor", ["accessor": .string(accessor)]).status) == 400
        }
        #expect(revoked != nil, "the token was never revoked after the failover")
        #expect(Date().timeIntervalSince(createdAt) >= 6)
        #expect(try await VaultHTTP(address: next, token: shortLived).read("auth/token/lookup-self").status == 403)

        for address in rest { try await servers[address]!.stop() }
    }
}

/// Write numbers a writer task reports as acknowledged.
final class Acknowledged: Sendable {
    private let storage = Mutex<[Int]>([])
    func add(_ n: Int) { storage.withLock { $0.append(n) } }
    var values: [Int] { storage.withLock { $0 } }
}
