import CofferSDK
import CofferTesting
import Foundation
import Testing

@Suite("Policies and mounts over HTTP")
struct PolicyAndMountTests {
    static let appPolicy = #"""
        # Read and list the app's secrets, but never its admin credentials.
        path "secret/data/app/*" {
          capabilities = ["read"]
        }
        path "secret/metadata/app/*" {
          capabilities = ["list"]
        }
        path "secret/data/app/admin" {
          capabilities = ["deny"]
        }
        path "secret/data/+/shared" {
          capabilities = ["create", "update", "read"]
        }
        path "sys/rotate" {
          capabilities = ["update"]
        }
        """#

    @Test("least privilege: globs, +, deny, sudo paths and capabilities")
    func leastPrivilege() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        #expect(try await root.request("PUT", "sys/policies/acl/app", body: ["policy": .string(Self.appPolicy)]).status == 204)
        let stored = try await root.read("sys/policies/acl/app")
        #expect(stored.data?["policy"]?.stringValue == Self.appPolicy)
        #expect(try await root.list("sys/policies/acl").data?["keys"] == ["app", "default", "root"])
        let legacy = try await root.read("sys/policy")
        #expect(legacy.json?.objectValue?["policies"] == ["app", "default", "root"])

        for path in ["app/config", "app/admin", "team/shared"] {
            try #require(try await root.write("secret/data/\(path)", ["data": ["v": .string(path)]]).status == 200)
        }
        let created = try await root.write("auth/token/create", ["policies": ["app"]])
        let token = try #require(created.json?.objectValue?["auth"]?.objectValue?["client_token"]?.stringValue)
        let app = VaultHTTP(address: server.address, token: token)

        #expect(try await app.read("secret/data/app/config").status == 200)
        #expect(try await app.write("secret/data/app/config", ["data": ["v": "x"]]).status == 403)
        #expect(try await app.read("secret/data/app/admin").status == 403, "deny on the exact path wins")
        #expect(try await app.read("secret/data/other").status == 403)
        #expect(try await app.list("secret/metadata/app").data?["keys"] == ["admin", "config"])
        #expect(try await app.read("secret/data/team/shared").status == 200, "+ matches one segment")
        #expect(try await app.write("secret/data/team/shared", ["data": ["v": "y"]]).status == 200)
        #expect(try await app.read("secret/data/a/b/shared").status == 403, "+ matches exactly one segment")
        #expect(try await app.write("sys/rotate").status == 403, "sys/rotate also needs sudo")
        #expect(try await app.read("sys/mounts").status == 403)
        #expect(try await app.write("cubbyhole/mine", ["k": "v"]).status == 204, "the default policy covers cubbyhole")
        #expect(try await app.read("nowhere/at/all").status == 403, "no route is not revealed to an unprivileged token")

        let capabilities = try await app.write("sys/capabilities-self", ["paths": ["secret/data/app/config", "secret/data/app/admin", "secret/data/team/shared"]])
        #expect(capabilities.data?["secret/data/app/config"] == ["read"])
        #expect(capabilities.data?["secret/data/app/admin"] == ["deny"])
        #expect(capabilities.data?["secret/data/team/shared"] == ["create", "read", "update"])
        let rootCaps = try await root.write("sys/capabilities", ["token": .string(token), "path": "secret/data/app/config"])
        #expect(rootCaps.json?.objectValue?["capabilities"] == ["read"])
        #expect(try await root.write("sys/capabilities-self", ["path": "anything"]).data?["capabilities"] == ["root"])

        // Adding sudo opens sys/rotate; policies changes apply to existing tokens at once.
        try #require(try await root.write("sys/policy/app", ["policy": .string(Self.appPolicy.replacingOccurrences(
            of: "path \"sys/rotate\" {\n  capabilities = [\"update\"]", with: "path \"sys/rotate\" {\n  capabilities = [\"update\", \"sudo\"]"))]).status == 204)
        #expect(try await app.write("sys/rotate").status == 204)

        let invalid = try await root.write("sys/policies/acl/bad", ["policy": "path \"a\" {\n  capabilities = [\"reed\"]\n}"])
        #expect(invalid.status == 400)
        #expect(invalid.errors.first?.contains("line 2") == true)
        #expect(try await root.write("sys/policies/acl/root", ["policy": "path \"x\" { capabilities = [\"read\"] }"]).status == 400)
        #expect(try await root.delete("sys/policies/acl/root").status == 400)
        #expect(try await root.delete("sys/policies/acl/default").status == 400)
        #expect(try await root.delete("sys/policies/acl/app").status == 204)
        #expect(try await app.read("secret/data/app/config").status == 403, "a deleted policy grants nothing")
        try await server.stop()
    }

    @Test("mount lifecycle: enable, tune, move, read the mount for a path, disable")
    func mountLifecycle() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        #expect(try await root.write("sys/mounts/team", ["type": "kv", "options": ["version": "1"], "description": "team secrets"]).status == 204)
        #expect(try await root.write("team/db", ["password": "pw"]).status == 204)
        for (path, type) in [("team", "kv"), ("team/inner", "kv"), ("sys/x", "kv"), ("x", "nosuch")] {
            #expect(try await root.write("sys/mounts/\(path)", ["type": .string(type)]).status == 400, "\(path)")
        }

        #expect(try await root.write("sys/mounts/team/tune", ["default_lease_ttl": "1h", "max_lease_ttl": "2h"]).status == 204)
        let tune = try await root.read("sys/mounts/team/tune")
        #expect(tune.data?["default_lease_ttl"] == 3600)
        #expect(tune.data?["max_lease_ttl"] == 7200)
        #expect(try await root.write("sys/mounts/team/tune", ["default_lease_ttl": "3h"]).status == 400)

        // Upgrading to KV v2 keeps the data as version 1.
        #expect(try await root.write("sys/mounts/team/tune", ["options": ["version": "2"]]).status == 204)
        let upgraded = try await root.read("team/data/db")
        #expect(upgraded.data?["data"] == ["password": "pw"])
        #expect(upgraded.data?["metadata"]?.objectValue?["version"] == 1)

        let moved = try await root.write("sys/remount", ["from": "team", "to": "squad"])
        #expect(moved.status == 200)
        let migration = try #require(moved.data?["migration_id"]?.stringValue)
        #expect(try await root.read("sys/remount/status/\(migration)").data?["migration_info"]?.objectValue?["status"] == "success")
        #expect(try await root.read("squad/data/db").data?["data"] == ["password": "pw"])
        #expect(try await root.read("team/data/db").status == 404)

        let probe = try await root.read("sys/internal/ui/mounts/squad/data/db")
        #expect(probe.data?["path"] == "squad/")
        #expect(probe.data?["type"] == "kv")
        #expect(probe.data?["options"] == ["version": "2"])
        let all = try await root.read("sys/internal/ui/mounts")
        #expect(all.data?["secret"]?.objectValue?["squad/"] != nil)
        #expect(all.data?["auth"]?.objectValue?["token/"] != nil)

        let auth = try await root.read("sys/auth")
        #expect(auth.data?["token/"]?.objectValue?["type"] == "token")
        #expect(try await root.write("sys/auth/approle-x", ["type": "nosuch"]).status == 400)
        #expect(try await root.delete("sys/auth/token").status == 400)

        #expect(try await root.delete("sys/mounts/squad").status == 204)
        #expect(try await root.read("squad/data/db").status == 404)
        #expect(try await root.read("sys/mounts").data?["squad/"] == nil)
        // Mounted again at the same path, it starts empty.
        #expect(try await root.write("sys/mounts/squad", ["type": "kv-v2"]).status == 204)
        #expect(try await root.read("squad/data/db").status == 404)
        try await server.stop()
    }
}
