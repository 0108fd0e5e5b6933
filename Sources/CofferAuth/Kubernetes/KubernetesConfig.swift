import CofferSDK
import Foundation

/// The Kubernetes mount's `config`: where the API server is, how to trust it, which JWT asks it
/// for reviews, and the optional local checks (signature keys, issuer).
struct KubernetesConfig: Sendable {
    var host = ""
    var caCert = ""
    /// Never returned by a read; reads say only whether it is set.
    var tokenReviewerJWT = ""
    var pemKeys: [String] = []
    var issuer = ""
    /// Vault's default is true: the issuer is not checked unless asked.
    var disableISSValidation = true
    var disableLocalCAJWT = false

    /// Where a pod finds its own CA and token; used when coffer itself runs in a pod and the
    /// config leaves them out (unless `disable_local_ca_jwt`).
    static let localCACertPath = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
    static let localJWTPath = "/var/run/secrets/kubernetes.io/serviceaccount/token"
    /// Vault's default issuer for legacy service-account tokens.
    static let defaultIssuer = "kubernetes/serviceaccount"

    static let fields: [String: FieldSpec] = [
        "kubernetes_host": FieldSpec(.string, description: "URL (or host:port) of the Kubernetes API server"),
        "kubernetes_ca_cert": FieldSpec(.string, description: "PEM CA certificate the API server's TLS certificate is checked against"),
        "token_reviewer_jwt": FieldSpec(.string, description: "Bearer JWT for TokenReview calls; without it the client's own JWT is used"),
        "pem_keys": FieldSpec(.commaStringList, description: "PEM public keys or certificates that verify service-account JWT signatures"),
        "issuer": FieldSpec(.string, description: "Expected iss claim when issuer validation is on"),
        "disable_iss_validation": FieldSpec(.bool, default: .bool(true), description: "Skip the iss check (Vault's default)"),
        "disable_local_ca_jwt": FieldSpec(.bool, default: .bool(false), description: "Do not fall back to the pod's own CA and token"),
        "use_annotations_as_alias_metadata": FieldSpec(.bool, description: "Not supported: coffer has no identity store"),
    ]

    func stored() -> JSONValue {
        [
            "kubernetes_host": .string(host), "kubernetes_ca_cert": .string(caCert), "token_reviewer_jwt": .string(tokenReviewerJWT),
            "pem_keys": .strings(pemKeys), "issuer": .string(issuer), "disable_iss_validation": .bool(disableISSValidation),
            "disable_local_ca_jwt": .bool(disableLocalCAJWT),
        ]
    }

    /// The read answer: everything but the reviewer JWT, whose presence alone is shown.
    func json() -> JSONObject {
        var data = stored().objectValue ?? [:]
        data.removeValue(forKey: "token_reviewer_jwt")
        data["token_reviewer_jwt_set"] = .bool(!tokenReviewerJWT.isEmpty)
        data["use_annotations_as_alias_metadata"] = .bool(false)
        return data
    }

    init() {}

    init(json: JSONObject) {
        host = json["kubernetes_host"]?.stringValue ?? ""
        caCert = json["kubernetes_ca_cert"]?.stringValue ?? ""
        tokenReviewerJWT = json["token_reviewer_jwt"]?.stringValue ?? ""
        pemKeys = json["pem_keys"]?.arrayValue?.compactMap(\.stringValue) ?? []
        issuer = json["issuer"]?.stringValue ?? ""
        disableISSValidation = json["disable_iss_validation"]?.boolValue ?? true
        disableLocalCAJWT = json["disable_local_ca_jwt"]?.boolValue ?? false
    }

    static func load(_ storage: StorageView) async throws -> KubernetesConfig? {
        try await storage.getJSON("config")?.objectValue.map(KubernetesConfig.init(json:))
    }

    /// The TokenReview endpoint: a bare `host` or `host:port` means HTTPS, as Vault reads it.
    var reviewURL: String {
        var base = host.contains("://") ? host : "https://" + host
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/apis/authentication.k8s.io/v1/tokenreviews"
    }

    /// The CA to trust: the configured one, else the pod's own when allowed and present, else
    /// none (the system's roots).
    var effectiveCACert: String {
        if !caCert.isEmpty || disableLocalCAJWT { return caCert }
        return Self.readLocal(Self.localCACertPath) ?? ""
    }

    /// The bearer for reviews: the reviewer JWT, else the pod's own token when allowed and
    /// present, else the JWT being reviewed (each pod then needs TokenReview rights itself).
    func reviewerBearer(client jwt: String) -> String {
        if !tokenReviewerJWT.isEmpty { return tokenReviewerJWT }
        if !disableLocalCAJWT, let local = Self.readLocal(Self.localJWTPath), !local.isEmpty { return local }
        return jwt
    }

    /// A small local file, trimmed; nil when absent or implausibly large.
    private static func readLocal(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 256 * 1024), data.count < 256 * 1024 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
