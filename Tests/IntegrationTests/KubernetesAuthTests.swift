import CofferSDK
import CofferTesting
import Foundation
import Testing

/// The Kubernetes auth method over HTTP, against the stand-in API server (real TokenReview JSON
/// over TLS with a CA it makes, and over plain HTTP; real RS256 service-account JWTs).
@Suite("Kubernetes auth over HTTP")
struct KubernetesAuthTests {
    static func setup(_ standIn: KubernetesStandIn, config: JSONObject = [:], role: JSONObject = [:]) async throws -> (ServerProcess, VaultHTTP) {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        try #require(try await root.write("sys/auth/kubernetes", ["type": "kubernetes"]).status == 204)
        try #require(try await root.write("sys/policies/acl/app-read", ["policy": #"path "secret/data/app/*" { capabilities = ["read"] }"#]).status == 204)
        try #require(try await root.write("secret/data/app/db", ["data": ["password": "hunter2"]]).status == 200)
        var configBody: JSONObject = [
            "kubernetes_host": .string(standIn.httpsURL), "kubernetes_ca_cert": .string(standIn.caPEM),
            "token_reviewer_jwt": .string(standIn.reviewerJWT),
        ]
        configBody.merge(config) { _, given in given }
        let configured = try await root.write("auth/kubernetes/config", .object(configBody))
        try #require(configured.status == 204 || configured.status == 200, "\(configured.text)")
        var roleBody: JSONObject = [
            "bound_service_account_names": "app", "bound_service_account_namespaces": "default", "audience": "vault",
            "token_policies": "app-read", "token_ttl": "10m",
        ]
        roleBody.merge(role) { _, given in given }
        let created = try await root.write("auth/kubernetes/role/app", .object(roleBody))
        try #require(created.status == 204 || created.status == 200, "\(created.text)")
        return (server, root)
    }

    static func login(_ server: ServerProcess, _ jwt: String, role: String = "app") async throws -> HTTPResult {
        try await VaultHTTP(address: server.address).write("auth/kubernetes/login", ["role": .string(role), "jwt": .string(jwt)])
    }

    @Test("a pod logs in with its projected token over TLS, and the token reads its secret")
    func podLogin() async throws {
        let standIn = try await KubernetesStandIn.start()
        defer { standIn.stop() }
        let (server, root) = try await Self.setup(standIn)
        let jwt = try await standIn.mint("app", namespace: "default", audiences: ["vault"])

        let login = try await Self.login(server, jwt)
        #expect(login.status == 200, "\(login.text)")
        let auth = try #require(login.json?.objectValue?["auth"]?.objectValue)
        #expect(auth["policies"] == ["app-read", "default"])
        #expect(auth["lease_duration"] == 600)
        let metadata = try #require(auth["metadata"]?.objectValue)
        #expect(metadata["service_account_name"] == "app")
        #expect(metadata["service_account_namespace"] == "default")
        #expect(metadata["service_account_secret_name"] == "")
        #expect(metadata["role"] == "app")
        #expect(metadata["service_account_uid"]?.stringValue?.count == 36)

        let pod = VaultHTTP(address: server.address, token: auth["client_token"]?.stringValue)
        #expect(try await pod.read("secret/data/app/db").data?["data"] == ["password": "hunter2"])
        #expect(try await pod.read("secret/data/other").status == 403)
        #expect(try await pod.read("auth/token/lookup-self").data?["display_name"] == "kubernetes-default-app")

        let reviews = try await standIn.reviews()
        #expect(reviews.count == 1)
        #expect(reviews.first?.scheme == "https")
        #expect(reviews.first?.kind == "TokenReview")
        #expect(reviews.first?.apiVersion == "authentication.k8s.io/v1")
        #expect(reviews.first?.bearer == standIn.reviewerJWT)
        #expect(reviews.first?.token == jwt)
        #expect(reviews.first?.audiences == ["vault"])

        // The config read shows that a reviewer JWT is set, never the JWT itself.
        let config = try await root.read("auth/kubernetes/config")
        #expect(config.data?["token_reviewer_jwt_set"] == true)
        #expect(!config.text.contains(standIn.reviewerJWT))
        try await server.stop()
    }

    @Test("a legacy secret token over plain http, with the pod's own JWT as the bearer")
    func legacyOverHTTP() async throws {
        let standIn = try await KubernetesStandIn.start()
        defer { standIn.stop() }
        try await standIn.configure(["allow_any_reviewer": true])
        let (server, _) = try await Self.setup(
            standIn, config: ["kubernetes_host": .string(standIn.httpURL), "kubernetes_ca_cert": "", "token_reviewer_jwt": "", "disable_local_ca_jwt": true],
            role: ["bound_service_account_names": "*", "bound_service_account_namespaces": "team-*", "audience": ""]
        )
        let jwt = try await standIn.mint("builder", namespace: "team-ci", kind: "legacy")
        let login = try await Self.login(server, jwt)
        #expect(login.status == 200, "\(login.text)")
        let metadata = login.json?.objectValue?["auth"]?.objectValue?["metadata"]?.objectValue
        #expect(metadata?["service_account_name"] == "builder")
        #expect(metadata?["service_account_secret_name"]?.stringValue?.hasPrefix("builder-token-") == true)
        let review = try #require(try await standIn.reviews().last)
        #expect(review.scheme == "http")
        #expect(review.bearer == jwt)
        #expect(review.audiences.isEmpty)
        try await server.stop()
    }

    @Test("refusals: bindings, audience and expiry locally; the review's verdict; an unreachable or refusing API server")
    func refusals() async throws {
        let standIn = try await KubernetesStandIn.start()
        defer { standIn.stop() }
        let (server, root) = try await Self.setup(standIn)

        func refused(_ jwt: String, _ fragment: String, status: Int = 403) async throws {
            let result = try await Self.login(server, jwt)
            #expect(result.status == status, "\(fragment): \(result.text)")
            #expect(result.errors.joined(separator: " ").contains(fragment), "\(result.text)")
            #expect(!result.text.contains(jwt))
            #expect(result.json?.objectValue?["auth"] == nil)
        }
        try await refused(try await standIn.mint("app", namespace: "kube-system", audiences: ["vault"]), "namespace not authorized")
        try await refused(try await standIn.mint("intruder", namespace: "default", audiences: ["vault"]), "service account name not authorized")
        try await refused(try await standIn.mint("app", namespace: "default", audiences: ["other"]), "audience")
        let anHourAgo = Int(Date().timeIntervalSince1970) - 3600
        try await refused(try await standIn.mint("app", namespace: "default", audiences: ["vault"], issuedAt: anHourAgo), "expired")
        #expect(try await standIn.reviews().isEmpty, "local refusals must not reach the API server")

        // The review does not authenticate a token signed by an unknown key.
        try await refused(try await standIn.mint("app", namespace: "default", audiences: ["vault"], forged: true), "service account jwt not valid")
        // A deleted service account: its token worked once, and is refused now (nothing cached).
        let jwt = try await standIn.mint("app", namespace: "default", audiences: ["vault"])
        #expect(try await Self.login(server, jwt).status == 200)
        try await standIn.configure(["delete": ["default", "app"]])
        try await refused(jwt, "deleted")
        #expect(try await standIn.reviews().count == 3)

        // The API server refuses the reviewer (a service account without TokenReview rights).
        let fresh = try await standIn.mint("app2", namespace: "default", audiences: ["vault"])
        _ = try await root.write("auth/kubernetes/role/app", ["bound_service_account_names": "app2"])
        let powerless = try await standIn.mint("nobody", namespace: "default", kind: "legacy")
        var config: JSONObject = ["kubernetes_host": .string(standIn.httpsURL), "kubernetes_ca_cert": .string(standIn.caPEM), "token_reviewer_jwt": .string(powerless)]
        #expect(try await root.write("auth/kubernetes/config", .object(config)).status == 204)
        try await refused(fresh, "forbidden")

        // The API server is unreachable.
        config["token_reviewer_jwt"] = .string(standIn.reviewerJWT)
        config["kubernetes_host"] = "https://127.0.0.1:9"
        #expect(try await root.write("auth/kubernetes/config", .object(config)).status == 204)
        try await refused(fresh, "could not be reached")

        // Bad requests are 400s, as in Vault.
        let unknown = try await Self.login(server, fresh, role: "nope")
        #expect(unknown.status == 400 && unknown.errors == [#"invalid role name "nope""#])
        #expect(try await VaultHTTP(address: server.address).write("auth/kubernetes/login", ["role": "app"]).errors == ["missing jwt"])
        try await server.stop()
    }
}
