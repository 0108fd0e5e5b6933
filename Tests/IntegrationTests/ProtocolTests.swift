import CofferSDK
import CofferTesting
import Foundation
import Testing

/// Behaviours Vault documents or shows that real clients (hvac, Ansible, the Go client) rely on.
@Suite("Vault protocol details over HTTP")
struct ProtocolTests {
    @Test("?list= takes Go's boolean forms; anything else is a 400")
    func listParameter() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        #expect(try await root.write("secret/data/a/b", ["data": ["k": "v"]]).status == 200)
        for value in ["1", "t", "T", "TRUE", "true", "True"] {
            let listed = try await root.request("GET", "secret/metadata/a?list=\(value)")
            #expect(listed.data?["keys"] == ["b"], "list=\(value)")
        }
        for value in ["0", "f", "False"] {
            #expect(try await root.request("GET", "secret/metadata/a/b?list=\(value)").data?["current_version"] == 1, "list=\(value) reads")
        }
        let bad = try await root.request("GET", "secret/metadata/a?list=yes")
        #expect(bad.status == 400)
        try await server.stop()
    }

    @Test("tune reads show effective TTLs; generic is kv; empty wraps; negative cas; unknown audit device")
    func smallDeviations() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        let tune = try await root.read("sys/mounts/secret/tune")
        #expect(tune.data?["default_lease_ttl"] == 2_764_800)
        #expect(tune.data?["max_lease_ttl"] == 2_764_800)
        let authTune = try await root.read("sys/auth/token/tune")
        #expect(authTune.data?["default_lease_ttl"] == 2_764_800)
        #expect(authTune.data?["token_type"] == "default-service")
        #expect(try await root.write("sys/mounts/secret/tune", ["default_lease_ttl": "1h"]).status == 204)
        #expect(try await root.read("sys/mounts/secret/tune").data?["default_lease_ttl"] == 3600)

        #expect(try await root.write("sys/mounts/old", ["type": "generic"]).status == 204)
        #expect(try await root.read("sys/mounts").json?.objectValue?["old/"]?.objectValue?["type"] == "kv")
        #expect(try await root.write("old/x", ["k": "v"]).status == 204)
        #expect(try await root.read("old/x").data?["k"] == "v")

        let wrapped = try await root.request("POST", "sys/wrapping/wrap", body: [:], headers: ["X-Vault-Wrap-TTL": "60"])
        #expect(wrapped.status == 200)
        let token = try #require(wrapped.json?.objectValue?["wrap_info"]?.objectValue?["token"]?.stringValue)
        let unwrapped = try await root.write("sys/wrapping/unwrap", ["token": .string(token)])
        #expect(unwrapped.status == 200)
        #expect(unwrapped.json?.objectValue?["data"] == .object([:]))

        for cas: JSONValue in [-1, "-5"] {
            let refused = try await root.write("secret/data/c", ["data": ["k": "v"], "options": ["cas": cas]])
            #expect(refused.status == 400)
            #expect(refused.errors == ["check-and-set parameter did not match the current version"])
        }

        let unknown = try await root.write("sys/audit-hash/nope", ["input": "x"])
        #expect(unknown.status == 400)
        #expect(unknown.errors == [#"unknown audit backend "nope/""#])
        try await server.stop()
    }

    @Test("sudo on auth/token/create lifts the subset rule; num_uses=N allows exactly N requests")
    func tokenRules() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        #expect(try await root.write("sys/policies/acl/creator", ["policy": #"path "auth/token/create" { capabilities = ["create", "update", "sudo"] }"#]).status == 204)
        #expect(try await root.write("sys/policies/acl/plain-creator", ["policy": #"path "auth/token/create" { capabilities = ["create", "update"] }"#]).status == 204)
        #expect(try await root.write("sys/policies/acl/other", ["policy": #"path "secret/*" { capabilities = ["read"] }"#]).status == 204)
        func token(_ body: JSONValue, as client: VaultHTTP) async throws -> HTTPResult { try await client.write("auth/token/create", body) }
        let sudoer = VaultHTTP(address: server.address, token: try await token(["policies": ["creator"]], as: root).json?.objectValue?["auth"]?.objectValue?["client_token"]?.stringValue)
        let plain = VaultHTTP(address: server.address, token: try await token(["policies": ["plain-creator"]], as: root).json?.objectValue?["auth"]?.objectValue?["client_token"]?.stringValue)
        let child = try await token(["policies": ["other"]], as: sudoer)
        #expect(child.status == 200)
        #expect(child.json?.objectValue?["auth"]?.objectValue?["policies"] == ["default", "other"])
        let refused = try await token(["policies": ["other"]], as: plain)
        #expect(refused.status == 400)
        #expect(refused.errors == ["child policies must be subset of parent"])
        #expect(try await token(["policies": ["root"]], as: sudoer).status == 400, "root still needs root")

        for uses in [1, 2, 3] {
            let limited = try await token(["num_uses": .int(Int64(uses)), "policies": ["default"]], as: root)
            let client = VaultHTTP(address: server.address, token: limited.json?.objectValue?["auth"]?.objectValue?["client_token"]?.stringValue)
            for request in 1...uses {
                let answer = try await client.read("auth/token/lookup-self")
                #expect(answer.status == 200, "num_uses=\(uses): request \(request) refused")
            }
            #expect(try await client.read("auth/token/lookup-self").status == 403, "num_uses=\(uses): one request too many")
        }
        // Requests racing for the last uses: exactly num_uses of them are let in. They read the
        // token's cubbyhole (404: empty) rather than lookup-self, whose handler looks the token
        // up again and may find it revoked by the request that spent the last use, in Vault too.
        for _ in 0..<8 {
            let racing = try await token(["num_uses": 2, "policies": ["default"]], as: root)
            let racer = VaultHTTP(address: server.address, token: racing.json?.objectValue?["auth"]?.objectValue?["client_token"]?.stringValue)
            let statuses = await withTaskGroup(of: Int.self) { group in
                for _ in 0..<12 { group.addTask { (try? await racer.read("cubbyhole/probe").status) ?? 0 } }
                return await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 404 }.count == 2 && statuses.filter { $0 == 403 }.count == 10, "\(statuses)")
        }
        try await server.stop()
    }
}
