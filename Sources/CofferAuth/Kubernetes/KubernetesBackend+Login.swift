import CofferSDK
import JWTKit

extension KubernetesBackend {
    /// Signing algorithms the API server may sign service-account tokens with, as Vault
    /// allows them (with `pem_keys`, ES512 does not verify: jwt-kit's static keys lack P-521).
    static let signingAlgs: Set = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]
    /// Seconds of clock difference allowed on exp, nbf and iat, as Vault's validator allows.
    static let leeway = 150.0

    /// Bindings and claims first (cheap, local), then the TokenReview round trip; every refusal
    /// of the token itself is a 403, as in Vault, and nothing about a refused login is kept.
    static let login: Handler = { ctx in
        guard let roleName = ctx.fields.string("role"), !roleName.isEmpty else { throw CofferError.badRequest("missing role") }
        guard let jwt = ctx.fields.string("jwt"), !jwt.isEmpty else { throw CofferError.badRequest("missing jwt") }
        guard jwt.utf8.count <= maxJWTBytes else { throw CofferError.badRequest("jwt is larger than \(maxJWTBytes) bytes") }
        guard let role = try await role(roleName, ctx.storage) else { throw CofferError.badRequest("invalid role name \"\(roleName)\"") }

        let address = ctx.request.connection.remoteAddress
        if !role.token.boundCIDRs.isEmpty, !role.token.boundCIDRs.contains(where: { CIDR($0)?.contains(address) == true }) {
            throw CofferError.permissionDenied
        }
        guard let config = try await KubernetesConfig.load(ctx.storage) else {
            throw CofferError.badRequest("could not load backend configuration: write this mount's config first")
        }

        let account = try await validate(jwt, role: role, config: config, mount: ctx.storage.prefix, now: ctx.now)
        // Vault keys the identity alias by the UID or by namespace/name and refuses a token that
        // lacks what its role's alias needs; coffer has no identity store yet, but refuses the same.
        guard !account.uid.isEmpty else { throw CofferError(.permissionDenied, "could not parse UID from claims") }
        guard role.aliasName(for: account) != nil else {
            throw CofferError(.permissionDenied, "service account namespace and name must be set")
        }

        // As Vault: ask for the role's audience, or else for the token's own audiences.
        let audiences = role.audience.isEmpty ? account.audiences : [role.audience]
        let reviewed: TokenReview.Result
        do throws(TokenReview.Refusal) {
            reviewed = try await TokenReview.review(jwt: jwt, audiences: audiences, config: config)
        } catch {
            throw CofferError(.permissionDenied, ["permission denied", error.description])
        }
        for (what, mine, theirs) in [("names", account.name, reviewed.name), ("UIDs", account.uid, reviewed.uid), ("namespaces", account.namespace, reviewed.namespace)]
        where mine != theirs {
            throw CofferError(.permissionDenied, ["permission denied", "JWT \(what) did not match the TokenReview"])
        }

        let metadata = [
            "service_account_uid": account.uid, "service_account_name": account.name, "service_account_namespace": account.namespace,
            "service_account_secret_name": account.secretName, "role": role.name,
        ]
        return LogicalResponse(auth: AuthResult(policies: [], metadata: metadata, displayName: "\(account.namespace)-\(account.name)", settings: role.token))
    }

    /// Parses the JWT and checks it locally: algorithm, signature when `pem_keys` are set, time,
    /// issuer when asked, the role's audience, name and namespace bindings.
    static func validate(_ jwt: String, role: KubernetesRole, config: KubernetesConfig, mount: String, now: Double) async throws -> ServiceAccountToken {
        func refuse(_ message: String) -> CofferError { CofferError(.permissionDenied, message) }
        guard let (header, claims) = try? JWTParts.split(jwt) else { throw refuse("malformed JWT: it is not three base64url JSON parts") }
        let alg = header["alg"]?.stringValue ?? ""
        guard signingAlgs.contains(alg) else { throw refuse("unsupported signing algorithm \"\(alg)\"") }
        if !config.pemKeys.isEmpty {
            let keys = await JWKSCache.shared.staticKeys(for: mount, pems: config.pemKeys, alg: alg)
            do {
                _ = try await keys.verify(jwt, as: SignatureOnly.self, iteratingKeys: true)
            } catch {
                throw CofferError(.permissionDenied, ["permission denied", "the JWT's signature does not verify with any of pem_keys"])
            }
        }

        if let exp = claims["exp"]?.doubleValue, now > exp + leeway { throw refuse("invalid expiration time (exp) claim: token is expired") }
        if let nbf = claims["nbf"]?.doubleValue, now < nbf - leeway { throw refuse("invalid not before (nbf) claim: token not yet valid") }
        if let iat = claims["iat"]?.doubleValue, iat > now + leeway { throw refuse("invalid issued at (iat) claim: token issued in the future") }
        if !config.disableISSValidation {
            let expected = config.issuer.isEmpty ? KubernetesConfig.defaultIssuer : config.issuer
            guard claims["iss"]?.stringValue == expected else { throw refuse("invalid issuer (iss) claim") }
        }

        let account = ServiceAccountToken(claims: claims)
        if !role.audience.isEmpty, !account.audiences.contains(role.audience) {
            throw refuse("invalid audience (aud) claim: audience claim does not match any expected audience")
        }
        guard KubernetesRole.allows(role.serviceAccountNames, account.name) else { throw refuse("service account name not authorized") }
        guard KubernetesRole.allows(role.serviceAccountNamespaces, account.namespace) else { throw refuse("namespace not authorized") }
        return account
    }
}
