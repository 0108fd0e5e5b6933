import CofferSDK
import Foundation
import JWTKit

extension JWTBackend {
    static let login: Handler = { ctx in
        guard let config = try await JWTConfig.load(ctx.storage) else { throw CofferError.badRequest("the JWT auth method is not configured") }
        let roleName = ctx.fields.string("role").flatMap { $0.isEmpty ? nil : $0 } ?? config.defaultRole
        guard !roleName.isEmpty else { throw CofferError.badRequest("missing role") }
        guard let role = try await role(roleName, ctx.storage) else { throw CofferError.badRequest("role \"\(roleName)\" could not be found") }
        guard let token = ctx.fields.string("jwt"), !token.isEmpty else { throw CofferError.badRequest("missing jwt") }

        let address = ctx.request.connection.remoteAddress
        if !role.token.boundCIDRs.isEmpty, !role.token.boundCIDRs.contains(where: { CIDR($0)?.contains(address) == true }) {
            throw CofferError(.permissionDenied, "source address \(address) is not allowed by the role's bound CIDRs")
        }

        let (header, claims) = try JWTParts.split(token)
        let alg = header["alg"]?.stringValue ?? ""
        let allowed = config.supportedAlgs.isEmpty ? JWTConfig.asymmetricAlgs : Set(config.supportedAlgs)
        guard JWTConfig.asymmetricAlgs.contains(alg), allowed.contains(alg) else {
            throw CofferError.badRequest("error validating token: unsupported signing algorithm \"\(alg)\"")
        }
        try await verifySignature(token, alg: alg, kid: header["kid"]?.stringValue, config: config, mount: ctx.storage.prefix)
        try checkClaims(claims, role: role, config: config, now: ctx.now)

        guard let user = claims[role.userClaim], user.stringValue != nil || user.intValue != nil else {
            throw CofferError.badRequest("claim \"\(role.userClaim)\" not found in token")
        }
        if !role.groupsClaim.isEmpty, claims[role.groupsClaim] == nil {
            throw CofferError.badRequest("groups claim \"\(role.groupsClaim)\" not found in token")
        }
        var metadata: [String: String] = ["role": role.name]
        for (claim, key) in role.claimMappings {
            if let value = claims[claim] { metadata[key] = JWTClaims.text(value) }
        }
        return LogicalResponse(auth: AuthResult(policies: [], metadata: metadata, displayName: JWTClaims.text(user), settings: role.token))
    }

    /// Verifies the signature with the configured keys; an unknown key id refreshes the JWKS
    /// once, so a key rotation at the issuer needs no restart.
    static func verifySignature(_ token: String, alg: String, kid: String?, config: JWTConfig, mount: String) async throws {
        let failure = CofferError.badRequest("error validating token: signature verification failed")
        if !config.validationPubkeys.isEmpty {
            let keys = await JWKSCache.shared.staticKeys(for: mount, pems: config.validationPubkeys, alg: alg)
            do {
                _ = try await keys.verify(token, as: SignatureOnly.self, iteratingKeys: true)
                return
            } catch {
                throw failure
            }
        }
        let set = try await JWKSCache.shared.keys(for: mount, config: config, kid: kid)
        // A key id the set does not hold is refused when the set's keys carry ids, as Vault's
        // go-oidc verifier does, rather than tried against every trusted key.
        if let kid, !set.kids.isEmpty, !set.kids.contains(kid) { throw failure }
        do {
            _ = try await set.keys.verify(token, as: SignatureOnly.self, iteratingKeys: kid == nil)
        } catch {
            throw failure
        }
    }

    /// Time, issuer, audience, subject and bound claims, each failure saying which check failed.
    static func checkClaims(_ claims: JSONObject, role: JWTRole, config: JWTConfig, now: Double) throws {
        func fail(_ message: String) -> CofferError { CofferError.badRequest("error validating claims: \(message)") }
        let skew = Double(role.clockSkewLeeway)
        guard let exp = claims["exp"]?.doubleValue else { throw fail("the token has no exp claim") }
        if now > exp + skew + Double(role.expirationLeeway) { throw fail("token is expired (exp)") }
        if let nbf = claims["nbf"]?.doubleValue, now < nbf - skew - Double(role.notBeforeLeeway) { throw fail("token is not valid yet (nbf)") }
        if let iat = claims["iat"]?.doubleValue, iat > now + skew { throw fail("token was issued in the future (iat)") }

        let issuer = config.boundIssuer.isEmpty ? config.discoveredIssuer : config.boundIssuer
        if !issuer.isEmpty, claims["iss"]?.stringValue != issuer { throw fail("issuer (iss) does not match") }

        let audiences: [String] = switch claims["aud"] {
        case .string(let single): [single]
        case .array(let many): many.compactMap(\.stringValue)
        default: []
        }
        if !role.boundAudiences.isEmpty {
            guard audiences.contains(where: role.boundAudiences.contains) else { throw fail("audience (aud) does not match the role's bound_audiences") }
        } else if !audiences.isEmpty {
            throw fail("the token has an audience (aud) but the role binds none; set bound_audiences")
        }
        if !role.boundSubject.isEmpty, claims["sub"]?.stringValue != role.boundSubject { throw fail("subject (sub) does not match") }

        for (name, expected) in role.boundClaims {
            guard let actual = JWTClaims.value(claims, name) else { throw fail("claim \"\(name)\" is missing") }
            let wanted = (expected.arrayValue ?? [expected]).map(JWTClaims.text)
            let have = (actual.arrayValue ?? [actual]).map(JWTClaims.text)
            let matches = have.contains { value in
                wanted.contains { pattern in role.boundClaimsType == "glob" ? Glob.matches(pattern, value) : pattern == value }
            }
            if !matches { throw fail("claim \"\(name)\" does not match any associated bound claim values") }
        }
    }
}

/// How bound claims compare: values as text, paths as JSON pointers or plain names, `*` globs.
enum JWTClaims {
    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): JSONWriter.string(.double(d))
        case .bool(let b): b ? "true" : "false"
        default: JSONWriter.string(value)
        }
    }

    /// A claim by name, or by JSON pointer (`/project/path`) into nested objects.
    static func value(_ claims: JSONObject, _ name: String) -> JSONValue? {
        guard name.hasPrefix("/") else { return claims[name] }
        var current: JSONValue = .object(claims)
        for segment in name.split(separator: "/") {
            guard let next = current.objectValue?[String(segment)] else { return nil }
            current = next
        }
        return current
    }
}
