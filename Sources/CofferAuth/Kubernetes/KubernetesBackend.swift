import CofferSDK
import Foundation

/// The Kubernetes auth method: pods and Kubernetes-native pipelines log in with their
/// service-account JWT, which the API server vouches for through a TokenReview.
public struct KubernetesBackend: Backend {
    /// Creates the backend for a mount.
    public init() {}

    /// `login` is reached without a token: the service-account JWT is the credential.
    public var specialPaths: SpecialPaths { SpecialPaths(unauthenticated: ["login"]) }

    /// `config`, `role/` (list), `role/<name>` and `login`, as Vault lays them out.
    public var paths: [PathSpec] {
        [
            PathSpec("config", fields: KubernetesConfig.fields, help: "Where the Kubernetes API server is and how to trust it", handlers: [
                .read: { ctx in
                    guard let config = try await KubernetesConfig.load(ctx.storage) else { return nil }
                    return LogicalResponse(data: config.json())
                },
                .create: Self.writeConfig, .update: Self.writeConfig,
            ]),
        ] + NamedRoles.paths(fields: KubernetesRole.fields, help: "Bind service accounts to token settings", load: Self.role, json: { $0.json() }, write: Self.writeRole) + [
            PathSpec("login", fields: ["role": FieldSpec(.string), "jwt": FieldSpec(.string)], help: "Log in with a service-account JWT", handlers: [
                .update: Self.login,
            ]),
        ]
    }

    static func role(_ name: String, _ storage: StorageView) async throws -> KubernetesRole? {
        guard !name.isEmpty else { return nil }
        return try await storage.getJSON("role/" + name.lowercased()).flatMap(KubernetesRole.init(json:))
    }

    /// Writing the config checks what can be checked without calling the API server (which
    /// may not be reachable from here yet): the host, the keys, the reviewer JWT's shape.
    static let writeConfig: Handler = { ctx in
        let fields = ctx.fields
        var config = KubernetesConfig()
        config.host = fields.string("kubernetes_host") ?? ""
        guard !config.host.isEmpty else { throw CofferError.badRequest("no host provided") }
        config.caCert = fields.string("kubernetes_ca_cert") ?? ""
        config.tokenReviewerJWT = fields.string("token_reviewer_jwt") ?? ""
        config.pemKeys = fields.strings("pem_keys") ?? []
        config.issuer = fields.string("issuer") ?? ""
        config.disableISSValidation = fields.bool("disable_iss_validation") ?? true
        config.disableLocalCAJWT = fields.bool("disable_local_ca_jwt") ?? false
        if fields.bool("use_annotations_as_alias_metadata") == true {
            throw CofferError.badRequest("use_annotations_as_alias_metadata is not supported by coffer: it has no identity store")
        }

        let scheme = config.host.range(of: "://").map { String(config.host[..<$0.lowerBound]) } ?? "https"
        guard scheme == "https" || scheme == "http", URL(string: config.reviewURL)?.host?.isEmpty == false else {
            throw CofferError.badRequest("kubernetes_host must be an http or https URL, or host:port")
        }
        if config.disableLocalCAJWT, config.caCert.isEmpty, scheme == "https" {
            throw CofferError.badRequest("kubernetes_ca_cert must be given when disable_local_ca_jwt is true")
        }
        do throws(CofferError) {
            try StaticKeys.validate(config.pemKeys, field: "pem_keys")
        } catch {
            throw CofferError.badRequest("data does not contain any valid RSA or ECDSA public keys: \(error.messages.joined(separator: "; "))")
        }
        if config.tokenReviewerJWT.utf8.count > KubernetesBackend.maxJWTBytes {
            throw CofferError.badRequest("token_reviewer_jwt is larger than \(KubernetesBackend.maxJWTBytes) bytes")
        }
        var warnings: [String] = []
        if !config.caCert.isEmpty, (try? OutboundHTTP.tls(caPEM: config.caCert)) == nil {
            // Vault stores such a CA silently; logins then fail the TLS check. Say so now.
            warnings.append("kubernetes_ca_cert holds no PEM certificate coffer can read; TokenReview calls over https will fail until it is fixed")
        }
        try await ctx.storage.putJSON("config", config.stored())
        await JWKSCache.shared.invalidate(ctx.storage.prefix)
        return warnings.isEmpty ? nil : LogicalResponse(warnings: warnings)
    }

    static let writeRole: Handler = { ctx in
        let name = (ctx.fields.string("name") ?? "").lowercased()
        guard !name.isEmpty else { throw CofferError.badRequest("missing role name") }
        var role = try await role(name, ctx.storage) ?? KubernetesRole(name: name)
        try role.update(from: ctx.fields)
        try await ctx.storage.putJSON("role/" + name, role.stored())
        guard role.audience.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        return LogicalResponse(warnings: ["This role does not specify an audience. In a future version of Vault, specifying an audience will be required."])
    }

    /// The largest service-account JWT accepted; real ones are 1–2 KiB.
    static let maxJWTBytes = 64 * 1024
}
