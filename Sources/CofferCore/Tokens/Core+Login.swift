import CofferSDK

extension Core {
    /// Turns a login's `auth` request into a token: the role's `token_*` settings, capped by the
    /// mount and system limits. Login tokens have no parent, as in Vault.
    func issueLoginToken(_ auth: AuthResult, mount: MountEntry, path: String, state: Active) async throws -> AuthResult {
        let settings = auth.settings
        var policies = Self.sanitise(auth.policies + settings.policies)
        if !settings.noDefaultPolicy, !policies.contains("default") { policies.append("default") }
        policies = Array(Set(policies)).sorted()
        let systemMax = mount.maxLeaseTTL > 0 ? min(mount.maxLeaseTTL, options.maxLeaseTTL) : options.maxLeaseTTL
        let maxTTL = settings.maxTTL > 0 ? min(settings.maxTTL, systemMax) : systemMax
        let defaultTTL = mount.defaultLeaseTTL > 0 ? mount.defaultLeaseTTL : options.defaultLeaseTTL
        var ttl = settings.period > 0 ? settings.period : (settings.ttl > 0 ? settings.ttl : defaultTTL)
        if settings.period == 0 { ttl = min(ttl, maxTTL) }
        if settings.explicitMaxTTL > 0 { ttl = min(ttl, settings.explicitMaxTTL) }
        let type: TokenEntry.Kind = settings.tokenType == "batch" || settings.tokenType == "default-batch" ? .batch : .service
        let prefix = mount.path.hasPrefix("auth/") ? String(mount.path.dropFirst(5).dropLast()) : mount.type
        let template = TokenRecord(
            idHash: "", accessor: "", parentHash: nil, policies: policies, meta: auth.metadata,
            displayName: auth.displayName.isEmpty ? prefix : prefix + "-" + auth.displayName,
            numUses: type == .batch ? 0 : settings.numUses, creationTime: now, creationTTL: ttl,
            expireTime: ttl > 0 ? now + Double(ttl) : nil, explicitMaxTTL: settings.explicitMaxTTL, period: settings.period,
            maxTTL: settings.period > 0 ? 0 : maxTTL, path: path, renewable: type == .service && settings.renewable,
            type: type, roleName: "", cubbyholeID: nil, boundCIDRs: settings.boundCIDRs
        )
        let (id, record) = try await storeToken(template, state: state)
        var issued = Self.authResult(id: id, record)
        issued.metadata = auth.metadata
        return issued
    }
}
