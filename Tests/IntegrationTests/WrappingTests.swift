import CofferSDK
import CofferTesting
import Foundation
import Testing

@Suite("Response wrapping and cubbyhole over HTTP")
struct WrappingTests {
    static func wrapInfo(_ result: HTTPResult) -> JSONObject { result.json?.objectValue?["wrap_info"]?.objectValue ?? [:] }

    @Test("wrap, look up without using, unwrap exactly once; rewrap and expiry")
    func wrapCycle() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        let anonymous = VaultHTTP(address: server.address)

        #expect(try await root.write("sys/wrapping/wrap", ["password": "p1"]).status == 400, "a wrap TTL is required")
        let wrapped = try await root.request("POST", "sys/wrapping/wrap", body: ["password": "p1"], headers: ["X-Vault-Wrap-TTL": "5m"])
        #expect(wrapped.status == 200)
        #expect(wrapped.json?.objectValue?["data"] == .null)
        let info = Self.wrapInfo(wrapped)
        #expect(info["ttl"] == 300)
        #expect(info["creation_path"] == "sys/wrapping/wrap")
        for key in ["token", "accessor", "creation_time", "wrapped_accessor"] { #expect(info[key] != nil, "wrap_info lacks \(key)") }
        let token = try #require(info["token"]?.stringValue)

        let lookup = try await anonymous.write("sys/wrapping/lookup", ["token": .string(token)])
        #expect(lookup.status == 200, "lookup needs no token")
        #expect(lookup.data?["creation_ttl"] == 300)
        #expect(lookup.data?["creation_path"] == "sys/wrapping/wrap")

        let unwrapped = try await VaultHTTP(address: server.address, token: token).write("sys/wrapping/unwrap")
        #expect(unwrapped.data == ["password": "p1"])
        let again = try await VaultHTTP(address: server.address, token: token).write("sys/wrapping/unwrap")
        #expect(again.status == 400)
        #expect(again.errors == ["wrapping token is not valid or does not exist"])
        #expect(try await anonymous.write("sys/wrapping/lookup", ["token": .string(token)]).status == 400)

        // Rewrap: the old token dies, the new one holds the same response.
        let second = Self.wrapInfo(try await root.request("POST", "sys/wrapping/wrap", body: ["k": "v"], headers: ["X-Vault-Wrap-TTL": "120"]))
        let secondToken = try #require(second["token"]?.stringValue)
        let rewrapped = Self.wrapInfo(try await root.write("sys/wrapping/rewrap", ["token": .string(secondToken)]))
        let thirdToken = try #require(rewrapped["token"]?.stringValue)
        #expect(thirdToken != secondToken)
        #expect(rewrapped["ttl"] == 120)
        #expect(try await root.write("sys/wrapping/unwrap", ["token": .string(secondToken)]).status == 400)
        #expect(try await root.write("sys/wrapping/unwrap", ["token": .string(thirdToken)]).data == ["k": "v"])

        // A wrapping token expires with its TTL.
        let brief = Self.wrapInfo(try await root.request("POST", "sys/wrapping/wrap", body: ["k": "v"], headers: ["X-Vault-Wrap-TTL": "1s"]))
        try await Task.sleep(for: .milliseconds(2100))
        #expect(try await root.write("sys/wrapping/unwrap", ["token": brief["token"] ?? ""]).status == 400)

        // A wrapping token can do nothing but unwrap.
        let fourth = Self.wrapInfo(try await root.request("POST", "sys/wrapping/wrap", body: ["k": "v"], headers: ["X-Vault-Wrap-TTL": "1m"]))
        let fourthClient = VaultHTTP(address: server.address, token: fourth["token"]?.stringValue)
        #expect(try await fourthClient.read("secret/data/x").status == 403)
        #expect(try await fourthClient.write("auth/token/create").status == 403)
        try await server.stop()
    }

    @Test("wrapped secrets, wrapped token creation, and policy bounds on the wrap TTL")
    func wrappedResponses() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        try #require(try await root.write("secret/data/ci/db", ["data": ["password": "hunter2"]]).status == 200)
        let wrappedRead = try await root.request("GET", "secret/data/ci/db", headers: ["X-Vault-Wrap-TTL": "5m"])
        #expect(wrappedRead.data == nil)
        let readToken = try #require(Self.wrapInfo(wrappedRead)["token"]?.stringValue)
        let unwrappedRead = try await root.write("sys/wrapping/unwrap", ["token": .string(readToken)])
        #expect(unwrappedRead.data?["data"] == ["password": "hunter2"])

        let wrappedCreate = try await root.request("POST", "auth/token/create", body: ["policies": ["default"]], headers: ["X-Vault-Wrap-TTL": "60"])
        let info = Self.wrapInfo(wrappedCreate)
        #expect(wrappedCreate.json?.objectValue?["auth"] == .null)
        let wrappedAccessor = try #require(info["wrapped_accessor"]?.stringValue)
        #expect(!wrappedAccessor.isEmpty)
        let unwrappedAuth = try await VaultHTTP(address: server.address, token: info["token"]?.stringValue).write("sys/wrapping/unwrap")
        let auth = try #require(unwrappedAuth.json?.objectValue?["auth"]?.objectValue)
        #expect(auth["accessor"]?.stringValue == wrappedAccessor)
        let handedOver = try #require(auth["client_token"]?.stringValue)
        #expect(try await VaultHTTP(address: server.address, token: handedOver).read("auth/token/lookup-self").status == 200)

        // A policy with wrapping bounds refuses missing and out-of-range wrap TTLs.
        try #require(try await root.write("sys/policies/acl/wrapped-only", ["policy": #"""
            path "secret/data/ci/*" {
              capabilities = ["read"]
              min_wrapping_ttl = "1m"
              max_wrapping_ttl = "10m"
            }
            """#]).status == 204)
        let created = try await root.write("auth/token/create", ["policies": ["wrapped-only"]])
        let limited = VaultHTTP(address: server.address, token: created.json?.objectValue?["auth"]?.objectValue?["client_token"]?.stringValue)
        #expect(try await limited.read("secret/data/ci/db").status == 403)
        #expect(try await limited.request("GET", "secret/data/ci/db", headers: ["X-Vault-Wrap-TTL": "30s"]).status == 403)
        #expect(try await limited.request("GET", "secret/data/ci/db", headers: ["X-Vault-Wrap-TTL": "1h"]).status == 403)
        #expect(try await limited.request("GET", "secret/data/ci/db", headers: ["X-Vault-Wrap-TTL": "5m"]).status == 200)
        try await server.stop()
    }

    @Test("each token has its own cubbyhole, and it goes with the token")
    func cubbyholePrivacy() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        func newToken() async throws -> VaultHTTP {
            let created = try await root.write("auth/token/create", ["policies": ["default"]])
            return VaultHTTP(address: server.address, token: created.json?.objectValue?["auth"]?.objectValue?["client_token"]?.stringValue)
        }
        let alice = try await newToken(), bob = try await newToken()
        #expect(try await alice.write("cubbyhole/note", ["secret": "alice's"]).status == 204)
        #expect(try await alice.read("cubbyhole/note").data == ["secret": "alice's"])
        #expect(try await bob.read("cubbyhole/note").status == 404)
        #expect(try await root.read("cubbyhole/note").status == 404, "not even root sees another token's cubbyhole")
        #expect(try await alice.list("cubbyhole").data?["keys"] == ["note"])
        #expect(try await alice.write("auth/token/revoke-self").status == 204)
        #expect(try await alice.read("cubbyhole/note").status == 403)
        try await server.stop()
    }
}
