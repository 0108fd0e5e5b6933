import CofferSDK
import CofferTesting
import Foundation
import Testing

@Suite("AppRole over HTTP")
struct AppRoleTests {
    static func setup() async throws -> (ServerProcess, VaultHTTP) {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        try #require(try await root.write("sys/auth/approle", ["type": "approle"]).status == 204)
        try #require(try await root.write("sys/policies/acl/ci-read", ["policy": #"path "secret/data/ci/*" { capabilities = ["read"] }"#]).status == 204)
        try #require(try await root.write("secret/data/ci/db", ["data": ["password": "hunter2"]]).status == 200)
        return (server, root)
    }

    static func roleID(_ root: VaultHTTP, _ role: String) async throws -> String {
        try #require(try await root.read("auth/approle/role/\(role)/role-id").data?["role_id"]?.stringValue)
    }

    static func secretID(_ root: VaultHTTP, _ role: String, _ body: JSONObject = [:]) async throws -> JSONObject {
        try #require(try await root.write("auth/approle/role/\(role)/secret-id", .object(body)).data)
    }

    static func login(_ server: ServerProcess, _ roleID: String, _ secretID: String?) async throws -> HTTPResult {
        var body: JSONObject = ["role_id": .string(roleID)]
        if let secretID { body["secret_id"] = .string(secretID) }
        return try await VaultHTTP(address: server.address).write("auth/approle/login", .object(body))
    }

    static func token(_ result: HTTPResult) -> String? {
        result.json?.objectValue?["auth"]?.objectValue?["client_token"]?.stringValue
    }

    @Test("role setup, login, and reading a secret with the issued token")
    func loginAndRead() async throws {
        let (server, root) = try await Self.setup()
        #expect(try await root.write("auth/approle/role/ci", ["token_policies": "ci-read", "token_ttl": "20m", "secret_id_ttl": "10m"]).status == 204)
        let role = try await root.read("auth/approle/role/ci")
        #expect(role.data?["token_policies"] == ["ci-read"])
        #expect(role.data?["bind_secret_id"] == true)
        #expect(role.data?["secret_id_ttl"] == 600)
        #expect(try await root.list("auth/approle/role").data?["keys"] == ["ci"])

        let roleID = try await Self.roleID(root, "ci")
        let issued = try await Self.secretID(root, "ci", ["metadata": #"{"job":"build-42"}"#])
        #expect(issued["secret_id_ttl"] == 600)
        let secret = try #require(issued["secret_id"]?.stringValue)

        let login = try await Self.login(server, roleID, secret)
        #expect(login.status == 200)
        let auth = try #require(login.json?.objectValue?["auth"]?.objectValue)
        #expect(auth["metadata"] == ["role_name": "ci", "job": "build-42"])
        #expect(auth["policies"] == ["ci-read", "default"])
        #expect(auth["lease_duration"] == 1200)
        #expect(auth["token_type"] == "service")
        let client = VaultHTTP(address: server.address, token: Self.token(login))
        #expect(try await client.read("secret/data/ci/db").data?["data"] == ["password": "hunter2"])
        #expect(try await client.read("auth/token/lookup-self").data?["path"] == "auth/approle/login")
        #expect(try await client.read("secret/data/other").status == 403)

        // Wrong parts get one answer that does not say which part was wrong.
        let wrongSecret = try await Self.login(server, roleID, "00000000-0000-0000-0000-000000000000")
        let wrongRole = try await Self.login(server, "nope", secret)
        #expect(wrongSecret.status == 400 && wrongRole.status == 400)
        #expect(wrongSecret.errors == wrongRole.errors)
        #expect(wrongSecret.errors == ["invalid role or secret ID"])
        #expect(!wrongRole.text.contains(secret))

        // Batch tokens from a role.
        #expect(try await root.write("auth/approle/role/ci-batch", ["token_policies": "ci-read", "token_type": "batch"]).status == 204)
        let batchLogin = try await Self.login(server, try await Self.roleID(root, "ci-batch"), try await Self.secretID(root, "ci-batch")["secret_id"]?.stringValue)
        #expect(batchLogin.json?.objectValue?["auth"]?.objectValue?["token_type"] == "batch")
        #expect(Self.token(batchLogin)?.hasPrefix("hvb.") == true)
        #expect(try await VaultHTTP(address: server.address, token: Self.token(batchLogin)).read("secret/data/ci/db").status == 200)
        try await server.stop()
    }

    @Test("num_uses and TTL exhaustion, accessor lookup and destroy")
    func limits() async throws {
        let (server, root) = try await Self.setup()
        #expect(try await root.write("auth/approle/role/ci", ["token_policies": "ci-read", "secret_id_num_uses": 2]).status == 204)
        let roleID = try await Self.roleID(root, "ci")
        let twice = try #require(try await Self.secretID(root, "ci")["secret_id"]?.stringValue)
        #expect(try await Self.login(server, roleID, twice).status == 200)
        #expect(try await Self.login(server, roleID, twice).status == 200)
        #expect(try await Self.login(server, roleID, twice).status == 400, "used up after two logins")
        #expect(try await root.write("auth/approle/role/ci/secret-id", ["num_uses": 5]).status == 400, "cannot exceed the role's limit")

        let brief = try #require(try await Self.secretID(root, "ci", ["ttl": "1s", "num_uses": 1])["secret_id"]?.stringValue)
        try await Task.sleep(for: .milliseconds(2100))
        #expect(try await Self.login(server, roleID, brief).status == 400, "expired")

        let issued = try await Self.secretID(root, "ci")
        let secret = try #require(issued["secret_id"]?.stringValue)
        let accessor = try #require(issued["secret_id_accessor"]?.stringValue)
        let listed = try await root.list("auth/approle/role/ci/secret-id")
        #expect(listed.data?["keys"]?.arrayValue?.contains(.string(accessor)) == true)
        let looked = try await root.write("auth/approle/role/ci/secret-id-accessor/lookup", ["secret_id_accessor": .string(accessor)])
        #expect(looked.data?["secret_id_num_uses"] == 2)
        #expect(looked.data?["secret_id"] == nil, "lookups never show the SecretID")
        let bySecret = try await root.write("auth/approle/role/ci/secret-id/lookup", ["secret_id": .string(secret)])
        #expect(bySecret.data?["secret_id_accessor"]?.stringValue == accessor)
        #expect(try await root.write("auth/approle/role/ci/secret-id-accessor/destroy", ["secret_id_accessor": .string(accessor)]).status == 204)
        #expect(try await Self.login(server, roleID, secret).status == 400)
        #expect(try await root.write("auth/approle/role/ci/secret-id-accessor/lookup", ["secret_id_accessor": .string(accessor)]).status == 400)
        #expect(try await root.write("auth/approle/tidy/secret-id").status == 200)
        try await server.stop()
    }

    @Test("CIDR bindings on the role, the SecretID and the issued token")
    func cidrs() async throws {
        let (server, root) = try await Self.setup()
        #expect(try await root.write("auth/approle/role/far", ["secret_id_bound_cidrs": "10.0.0.0/8"]).status == 204)
        let far = try await Self.login(server, try await Self.roleID(root, "far"), try await Self.secretID(root, "far")["secret_id"]?.stringValue)
        #expect(far.status == 400)
        #expect(far.errors.first?.contains("unauthorized") == true)

        #expect(try await root.write("auth/approle/role/near", ["token_policies": "ci-read"]).status == 204)
        let nearRole = try await Self.roleID(root, "near")
        let remote = try await Self.secretID(root, "near", ["cidr_list": "10.0.0.0/8"])
        #expect(try await Self.login(server, nearRole, remote["secret_id"]?.stringValue).status == 400)
        let local = try await Self.secretID(root, "near", ["cidr_list": "127.0.0.0/8"])
        #expect(try await Self.login(server, nearRole, local["secret_id"]?.stringValue).status == 200)
        let pinned = try await Self.secretID(root, "near", ["token_bound_cidrs": "10.0.0.0/8"])
        let pinnedLogin = try await Self.login(server, nearRole, pinned["secret_id"]?.stringValue)
        #expect(pinnedLogin.status == 200)
        #expect(try await VaultHTTP(address: server.address, token: Self.token(pinnedLogin)).read("secret/data/ci/db").status == 403, "the token only works from 10/8")

        // Without a SecretID a role needs another binding.
        #expect(try await root.write("auth/approle/role/open", ["bind_secret_id": false]).status == 400)
        #expect(try await root.write("auth/approle/role/open", ["bind_secret_id": false, "secret_id_bound_cidrs": "127.0.0.1/32", "token_policies": "ci-read"]).status == 204)
        let open = try await Self.login(server, try await Self.roleID(root, "open"), nil)
        #expect(open.status == 200)
        #expect(try await root.write("auth/approle/role/open/secret-id").status == 400)
        try await server.stop()
    }

    @Test("the CI hand-off: a wrapped SecretID is unwrapped once and used to log in")
    func wrappedHandOff() async throws {
        let (server, root) = try await Self.setup()
        #expect(try await root.write("auth/approle/role/ci", ["token_policies": "ci-read"]).status == 204)
        #expect(try await root.write("auth/approle/role/ci/role-id", ["role_id": "ci-pipeline-role"]).status == 204)
        let wrapped = try await root.request("POST", "auth/approle/role/ci/secret-id", body: [:], headers: ["X-Vault-Wrap-TTL": "5m"])
        #expect(wrapped.data == nil)
        let wrapToken = try #require(wrapped.json?.objectValue?["wrap_info"]?.objectValue?["token"]?.stringValue)
        #expect(wrapped.json?.objectValue?["wrap_info"]?.objectValue?["creation_path"] == "auth/approle/role/ci/secret-id")

        let stage = VaultHTTP(address: server.address, token: wrapToken)
        let unwrapped = try await stage.write("sys/wrapping/unwrap")
        let secret = try #require(unwrapped.data?["secret_id"]?.stringValue)
        #expect(try await stage.write("sys/wrapping/unwrap").status == 400, "a second unwrap fails: the hand-off was intercepted")
        let login = try await Self.login(server, "ci-pipeline-role", secret)
        #expect(login.status == 200)
        #expect(try await VaultHTTP(address: server.address, token: Self.token(login)).read("secret/data/ci/db").status == 200)
        try await server.stop()
    }
}
