import CofferSDK
import CofferTesting
import Foundation
import Testing

@Suite("Tokens over HTTP")
struct TokenTests {
    static func create(_ client: VaultHTTP, _ body: JSONValue, path: String = "auth/token/create") async throws -> (token: String, result: HTTPResult) {
        let result = try await client.write(path, body)
        let token = result.json?.objectValue?["auth"]?.objectValue?["client_token"]?.stringValue ?? ""
        return (token, result)
    }

    static func auth(_ result: HTTPResult) -> JSONObject { result.json?.objectValue?["auth"]?.objectValue ?? [:] }

    @Test("service tokens: subset policies, lookup fields, subtree revocation and revoke-orphan")
    func serviceTokens() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        try #require(try await root.write("sys/policies/acl/reader", ["policy": #"path "secret/data/*" { capabilities = ["read"] }"#]).status == 204)

        let (parent, created) = try await Self.create(root, ["policies": ["reader"], "ttl": "1h", "display_name": "CI Job", "meta": ["job": "42"]])
        #expect(created.status == 200)
        #expect(parent.hasPrefix("hvs."))
        let auth = Self.auth(created)
        #expect(auth["policies"] == ["default", "reader"])
        #expect(auth["token_type"] == "service")
        #expect(auth["lease_duration"] == 3600)
        #expect(auth["orphan"] == false)
        #expect(auth["accessor"]?.stringValue?.isEmpty == false)
        #expect(created.data == nil)

        let parentClient = VaultHTTP(address: server.address, token: parent)
        let looked = try await parentClient.read("auth/token/lookup-self")
        #expect(looked.status == 200)
        let data = try #require(looked.data)
        for key in ["accessor", "creation_time", "creation_ttl", "display_name", "expire_time", "explicit_max_ttl", "id", "issue_time", "meta", "num_uses", "orphan", "path", "policies", "renewable", "ttl", "type"] {
            #expect(data[key] != nil, "lookup is missing \(key)")
        }
        #expect(data["display_name"] == "token-ci-job")
        #expect(data["meta"] == ["job": "42"])
        #expect(data["path"] == "auth/token/create")
        #expect(data["id"]?.stringValue == parent)

        // Creating tokens needs a grant on the create path, and then a non-root parent can only
        // hand out policies it has itself, and no orphans without sudo.
        #expect(try await parentClient.write("auth/token/create", [:]).status == 403)
        try #require(try await root.write("sys/policies/acl/reader", ["policy": #"""
            path "secret/data/*" { capabilities = ["read"] }
            path "auth/token/create" { capabilities = ["update"] }
            path "auth/token/create-orphan" { capabilities = ["update"] }
            """#]).status == 204)
        #expect(try await parentClient.write("auth/token/create", ["policies": ["admin"]]).status == 400)
        #expect(try await parentClient.write("auth/token/create", ["no_parent": true]).status == 400)
        #expect(try await parentClient.write("auth/token/create-orphan", [:]).status == 400)
        let (child, _) = try await Self.create(parentClient, ["policies": ["reader"]])
        let (grandchild, _) = try await Self.create(VaultHTTP(address: server.address, token: child), [:])
        #expect(try await VaultHTTP(address: server.address, token: grandchild).read("auth/token/lookup-self").status == 200)

        // revoke-orphan: the parent goes, its children stay as orphans.
        #expect(try await root.write("auth/token/revoke-orphan", ["token": .string(parent)]).status == 204)
        #expect(try await parentClient.read("auth/token/lookup-self").status == 403)
        let orphaned = try await VaultHTTP(address: server.address, token: child).read("auth/token/lookup-self")
        #expect(orphaned.status == 200)
        #expect(orphaned.data?["orphan"] == true)

        // revoke: the whole subtree goes.
        #expect(try await root.write("auth/token/revoke", ["token": .string(child)]).status == 204)
        #expect(try await VaultHTTP(address: server.address, token: child).read("auth/token/lookup-self").status == 403)
        #expect(try await VaultHTTP(address: server.address, token: grandchild).read("auth/token/lookup-self").status == 403)
        try await server.stop()
    }

    @Test("batch tokens: never stored, no accessor or renewal, die with their parent and at their TTL")
    func batchTokens() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        try #require(try await root.write("sys/policies/acl/ci-readonly", ["policy": #"path "secret/data/ci/*" { capabilities = ["read"] }"#]).status == 204)
        try #require(try await root.write("secret/data/ci/app", ["data": ["k": "v"]]).status == 200)
        let (parent, _) = try await Self.create(root, ["policies": ["ci-readonly"], "ttl": "1h"])

        let (batch, created) = try await Self.create(VaultHTTP(address: server.address, token: "root"),
            ["type": "batch", "policies": ["ci-readonly"], "ttl": "15m"])
        #expect(created.status == 200)
        #expect(batch.hasPrefix("hvb."))
        #expect(Self.auth(created)["accessor"] == "")
        #expect(Self.auth(created)["renewable"] == false)
        #expect(Self.auth(created)["token_type"] == "batch")
        let batchClient = VaultHTTP(address: server.address, token: batch)
        #expect(try await batchClient.read("secret/data/ci/app").data?["data"] == ["k": "v"])
        #expect(try await batchClient.read("secret/data/other").status == 403)
        let lookup = try await batchClient.read("auth/token/lookup-self")
        #expect(lookup.data?["type"] == "batch")
        #expect(lookup.data?["orphan"] == false)
        #expect(try await batchClient.write("auth/token/renew-self").status == 400)
        #expect(try await batchClient.read("cubbyhole/x").status == 400)
        #expect(try await root.write("auth/token/create", ["type": "batch", "policies": ["root"]]).status == 400)
        #expect(try await root.write("auth/token/create", ["type": "batch", "period": "1h"]).status == 400)

        // A batch token whose parent is revoked stops working at once.
        let (childBatch, _) = try await Self.create(
            VaultHTTP(address: server.address, token: "root"), ["type": "batch", "policies": ["ci-readonly"]])
        _ = childBatch
        let parentClient = VaultHTTP(address: server.address, token: parent)
        try #require(try await root.write("sys/policies/acl/ci-readonly", ["policy": #"""
            path "secret/data/ci/*" { capabilities = ["read"] }
            path "auth/token/create" { capabilities = ["update"] }
            """#]).status == 204)
        #expect(try await batchClient.write("auth/token/create", [:]).status == 400, "batch tokens cannot create tokens")
        let (batchOfParent, _) = try await Self.create(parentClient, ["type": "batch"])
        let batchOfParentClient = VaultHTTP(address: server.address, token: batchOfParent)
        #expect(try await batchOfParentClient.read("secret/data/ci/app").status == 200)
        #expect(try await root.write("auth/token/revoke", ["token": .string(parent)]).status == 204)
        #expect(try await batchOfParentClient.read("secret/data/ci/app").status == 403)

        // And at its TTL.
        let (shortLived, _) = try await Self.create(root, ["type": "batch", "policies": ["ci-readonly"], "ttl": "1s"])
        let shortClient = VaultHTTP(address: server.address, token: shortLived)
        #expect(try await shortClient.read("secret/data/ci/app").status == 200)
        try await Task.sleep(for: .milliseconds(2100))
        #expect(try await shortClient.read("secret/data/ci/app").status == 403)

        // Tampering with a batch token invalidates it.
        var forged = Array(batch)
        forged[forged.count / 2] = forged[forged.count / 2] == "A" ? "B" : "A"
        #expect(try await VaultHTTP(address: server.address, token: String(forged)).read("auth/token/lookup-self").status == 403)
        try await server.stop()
    }

    @Test("periodic tokens, TTL caps, explicit max TTL and num_uses")
    func lifetimes() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")

        let (periodic, periodicResult) = try await Self.create(root, ["policies": ["default"], "period": "30m"])
        #expect(Self.auth(periodicResult)["lease_duration"] == 1800)
        let renewed = try await root.write("auth/token/renew", ["token": .string(periodic), "increment": "10h"])
        #expect(Self.auth(renewed)["lease_duration"] == 1800, "a periodic renewal resets to the period")
        let periodicLookup = try await VaultHTTP(address: server.address, token: periodic).read("auth/token/lookup-self")
        #expect(periodicLookup.data?["period"] == 1800)

        // Only root or sudo may ask for a period.
        let (plain, _) = try await Self.create(root, ["policies": ["default"]])
        try #require(try await root.write("sys/policies/acl/default", ["policy": .string(PolicyTexts.defaultWithCreate)]).status == 204)
        #expect(try await VaultHTTP(address: server.address, token: plain).write("auth/token/create", ["period": "1h"]).status == 400)

        let capped = try await root.write("auth/token/create", ["policies": ["default"], "ttl": "2000h"])
        #expect(Self.auth(capped)["lease_duration"]?.intValue == Int64(768 * 3600), "capped at the 32-day system maximum")
        #expect(capped.json?.objectValue?["warnings"]?.arrayValue?.isEmpty == false)

        let (explicit, explicitResult) = try await Self.create(root, ["policies": ["default"], "ttl": "1h", "explicit_max_ttl": "2m"])
        #expect(Self.auth(explicitResult)["lease_duration"] == 120)
        let explicitRenew = try await root.write("auth/token/renew", ["token": .string(explicit), "increment": "1h"])
        #expect((Self.auth(explicitRenew)["lease_duration"]?.intValue ?? 999) <= 120)

        let (limited, _) = try await Self.create(root, ["policies": ["default"], "num_uses": 2])
        let limitedClient = VaultHTTP(address: server.address, token: limited)
        let first = try await limitedClient.read("auth/token/lookup-self")
        #expect(first.status == 200)
        #expect(first.data?["num_uses"] == 1)
        #expect(try await limitedClient.read("cubbyhole/nothing").status == 404)
        #expect(try await limitedClient.read("auth/token/lookup-self").status == 403, "the token died after its second use")

        let (short, _) = try await Self.create(root, ["policies": ["default"], "ttl": "1s"])
        try await Task.sleep(for: .milliseconds(2100))
        #expect(try await VaultHTTP(address: server.address, token: short).read("auth/token/lookup-self").status == 403)
        try await server.stop()
    }

    @Test("token roles, accessors (sudo), lookup and revoke by accessor, tidy")
    func rolesAndAccessors() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        #expect(try await root.write("auth/token/roles/ci", [
            "allowed_policies": "ci-read,ci-write", "orphan": true, "token_type": "batch", "token_ttl": "10m",
        ]).status == 204)
        let role = try await root.read("auth/token/roles/ci")
        #expect(role.data?["allowed_policies"] == ["ci-read", "ci-write"])
        #expect(role.data?["token_type"] == "batch")
        #expect(try await root.list("auth/token/roles").data?["keys"] == ["ci"])

        let fromRole = try await root.write("auth/token/create/ci", ["policies": ["ci-read"]])
        #expect(fromRole.status == 200)
        let auth = Self.auth(fromRole)
        #expect(auth["token_type"] == "batch")
        #expect(auth["policies"] == ["ci-read", "default"])
        #expect(auth["orphan"] == true)
        #expect(auth["lease_duration"] == 600)
        #expect(try await root.write("auth/token/create/ci", ["policies": ["admin"]]).status == 400)
        #expect(try await root.write("auth/token/create/nope", [:]).status == 400)

        let (token, created) = try await Self.create(root, ["policies": ["default"]])
        let accessor = try #require(Self.auth(created)["accessor"]?.stringValue)
        let byAccessor = try await root.write("auth/token/lookup-accessor", ["accessor": .string(accessor)])
        #expect(byAccessor.data?["id"] == "")
        #expect(byAccessor.data?["accessor"]?.stringValue == accessor)
        let accessors = try await root.list("auth/token/accessors")
        #expect(accessors.data?["keys"]?.arrayValue?.contains(.string(accessor)) == true)
        #expect(try await VaultHTTP(address: server.address, token: token).list("auth/token/accessors").status == 403)
        #expect(try await root.write("auth/token/revoke-accessor", ["accessor": .string(accessor)]).status == 204)
        #expect(try await VaultHTTP(address: server.address, token: token).read("auth/token/lookup-self").status == 403)
        #expect(try await root.write("auth/token/lookup-accessor", ["accessor": "nope"]).status == 400)
        #expect(try await root.write("auth/token/tidy").status == 200)
        #expect(try await root.delete("auth/token/roles/ci").status == 204)
        #expect(try await root.read("auth/token/roles/ci").status == 404)
        try await server.stop()
    }
}

enum PolicyTexts {
    static let defaultWithCreate = #"""
        path "auth/token/lookup-self" { capabilities = ["read"] }
        path "auth/token/create" { capabilities = ["update"] }
        path "cubbyhole/*" { capabilities = ["create", "read", "update", "delete", "list"] }
        """#
}
