import CofferSDK
import JWTKit

/// The JWT/OIDC auth method: CI platforms log in with the ID token they issue, verified against
/// the issuer's keys (OIDC discovery, a JWKS URL, or static PEM keys) and the role's bindings.
public struct JWTBackend: Backend {
    /// Creates the backend for a mount.
    public init() {}

    public var specialPaths: SpecialPaths { SpecialPaths(unauthenticated: ["login"]) }

    public var paths: [PathSpec] {
        [
            PathSpec("config", fields: JWTConfig.fields, help: "Where signing keys come from", handlers: [
                .read: { ctx in
                    guard let config = try await JWTConfig.load(ctx.storage) else { return nil }
                    return LogicalResponse(data: config.json())
                },
                .update: Self.writeConfig,
            ]),
        ] + NamedRoles.paths(fields: JWTRole.fields, help: "Manage a role", load: Self.role, json: { $0.json() }, write: Self.writeRole) + [
            PathSpec("login", fields: ["role": FieldSpec(.string), "jwt": FieldSpec(.string)], help: "Log in with a JWT", handlers: [
                .update: Self.login,
            ]),
        ]
    }

    static func role(_ name: String, _ storage: StorageView) async throws -> JWTRole? {
        guard !name.isEmpty else { return nil }
        return try await storage.getJSON("role/" + name.lowercased()).flatMap(JWTRole.init(json:))
    }

    /// Writing the config fetches discovery and JWKS (or parses the PEMs) at once, so a bad URL
    /// or key is a 400 now rather than a failed login later.
    static let writeConfig: Handler = { ctx in
        let fields = ctx.fields
        var config = try await JWTConfig.load(ctx.storage) ?? JWTConfig()
        for (key, path) in [("oidc_discovery_url", \JWTConfig.oidcDiscoveryURL), ("oidc_discovery_ca_pem", \.oidcDiscoveryCAPEM), ("jwks_url", \.jwksURL),
                            ("jwks_ca_pem", \.jwksCAPEM), ("bound_issuer", \.boundIssuer), ("default_role", \.defaultRole), ("oidc_client_id", \.oidcClientID)]
        where fields.has(key) {
            config[keyPath: path] = fields.string(key) ?? ""
        }
        if fields.has("jwt_validation_pubkeys") { config.validationPubkeys = fields.strings("jwt_validation_pubkeys") ?? [] }
        if fields.has("jwt_supported_algs") {
            let algs = fields.strings("jwt_supported_algs") ?? []
            for alg in algs where !JWTConfig.asymmetricAlgs.contains(alg) {
                throw CofferError.badRequest("unsupported signing algorithm \"\(alg)\"; coffer verifies \(JWTConfig.asymmetricAlgs.sorted().joined(separator: ", "))")
            }
            config.supportedAlgs = algs
        }
        let sources = [!config.oidcDiscoveryURL.isEmpty, !config.jwksURL.isEmpty, !config.validationPubkeys.isEmpty].filter { $0 }.count
        guard sources == 1 else {
            throw CofferError.badRequest("exactly one of oidc_discovery_url, jwks_url or jwt_validation_pubkeys must be set")
        }
        config.discoveredIssuer = ""
        if !config.oidcDiscoveryURL.isEmpty {
            let (jwksURI, issuer) = try await JWKSFetcher.discover(config.oidcDiscoveryURL, caPEM: config.oidcDiscoveryCAPEM)
            _ = try await JWKSCache.collection(fromJWKS: JWKSFetcher.fetch(jwksURI, caPEM: config.oidcDiscoveryCAPEM))
            config.discoveredIssuer = issuer
        } else if !config.jwksURL.isEmpty {
            _ = try await JWKSCache.collection(fromJWKS: JWKSFetcher.fetch(config.jwksURL, caPEM: config.jwksCAPEM))
        } else {
            try StaticKeys.validate(config.validationPubkeys)
        }
        try await ctx.storage.putJSON("config", config.stored())
        await JWKSCache.shared.invalidate(ctx.storage.prefix)
        return nil
    }

    static let writeRole: Handler = { ctx in
        let name = (ctx.fields.string("name") ?? "").lowercased()
        guard !name.isEmpty else { throw CofferError.badRequest("role name is required") }
        let existing = try await role(name, ctx.storage)
        var role = existing ?? JWTRole(name: name)
        try role.update(from: ctx.fields)
        try await ctx.storage.putJSON("role/" + name, role.stored())
        return nil
    }
}
