import CofferSDK

extension Core {
    /// `lookup` and `lookup-self`: unknown tokens are 403 "bad token", as Vault answers.
    func lookupToken(_ ctx: HandlerContext, token: String?) async throws -> LogicalResponse {
        guard let token, !token.isEmpty else { throw CofferError.badRequest("missing token to look up") }
        guard let record = try await unsealed().tokens.lookup(token, now: now) else {
            throw CofferError(.permissionDenied, "bad token")
        }
        return LogicalResponse(data: record.lookupData(id: token, now: now))
    }

    func lookupAccessor(_ ctx: HandlerContext) async throws -> LogicalResponse {
        guard let accessor = ctx.fields.string("accessor"), !accessor.isEmpty else { throw CofferError.badRequest("missing accessor") }
        guard let record = try await unsealed().tokens.lookupAccessor(accessor, now: now) else {
            throw CofferError.badRequest("invalid accessor")
        }
        return LogicalResponse(data: record.lookupData(id: "", now: now))
    }

    /// `renew`, `renew-self`, `renew-accessor`: a periodic token goes back to its period; any
    /// other moves its expiry to now + increment (or its original TTL), never past its max.
    func renewToken(_ ctx: HandlerContext, token: String?, accessor: String?) async throws -> LogicalResponse {
        let tokens = try unsealed().tokens
        let found: TokenRecord?
        if let accessor {
            guard !accessor.isEmpty else { throw CofferError.badRequest("missing accessor") }
            found = try await tokens.lookupAccessor(accessor, now: now)
        } else {
            guard let token, !token.isEmpty else { throw CofferError.badRequest("missing token") }
            found = try await tokens.lookup(token, now: now)
        }
        guard var record = found else { throw CofferError.badRequest(accessor != nil ? "invalid accessor" : "invalid token") }
        let (ttl, warnings) = try await extendToken(&record, increment: ctx.fields.seconds("increment") ?? 0, state: unsealed())
        var auth = Self.authResult(id: token ?? "", record)
        if accessor != nil { auth.clientToken = "" }
        auth.leaseDuration = ttl
        return LogicalResponse(auth: auth, warnings: warnings)
    }

    /// Moves a token's expiry: a periodic token back to its period, any other to now +
    /// increment (or its original TTL), never past its max or explicit max TTL. Its lease follows.
    func extendToken(_ record: inout TokenRecord, increment: Int64, state: Active) async throws -> (ttl: Int64, warnings: [String]) {
        guard record.type == .service else { throw CofferError.badRequest("batch tokens cannot be renewed") }
        guard record.renewable, record.expireTime != nil else { throw CofferError.badRequest("lease is not renewable") }
        var warnings = [String]()
        var ttl = record.period > 0 ? record.period : (increment > 0 ? increment : record.creationTTL)
        var limit = Double.infinity
        if record.maxTTL > 0 { limit = record.creationTime + Double(record.maxTTL) }
        if record.explicitMaxTTL > 0 { limit = min(limit, record.creationTime + Double(record.explicitMaxTTL)) }
        if now + Double(ttl) > limit {
            let capped = max(0, Int64(saturating: (limit - now).rounded(.down)))
            warnings.append("TTL of \"\(ttl)s\" exceeded the effective max_ttl of \"\(capped)s\"; TTL value is capped accordingly")
            ttl = capped
        }
        guard ttl > 0 else { throw CofferError.badRequest("token has reached its maximum lifetime and cannot be renewed") }
        record.expireTime = now + Double(ttl)
        record.lastRenewal = now
        try await state.tokens.save(record)
        try await state.leases.reschedule(Self.tokenLeaseID(record), to: record.expireTime!, renewedAt: now)
        return (ttl, warnings)
    }

    /// `revoke`, `revoke-self` (whole subtree) and `revoke-orphan` (children survive).
    func revokeToken(_ ctx: HandlerContext, token: String?, orphan: Bool) async throws -> LogicalResponse? {
        guard let token, !token.isEmpty else { throw CofferError.badRequest("missing token") }
        let tokens = try unsealed().tokens
        if token.hasPrefix("hvb.") { throw CofferError.badRequest("batch tokens cannot be revoked") }
        let idHash = try await tokens.storedName(token)
        if orphan {
            try await tokens.revokeOrphan(idHash)
        } else {
            try await tokens.revokeTree(idHash)
        }
        return nil
    }

    func revokeAccessor(_ ctx: HandlerContext) async throws -> LogicalResponse? {
        guard let accessor = ctx.fields.string("accessor"), !accessor.isEmpty else { throw CofferError.badRequest("missing accessor") }
        let tokens = try unsealed().tokens
        guard let record = try await tokens.lookupAccessor(accessor, now: now) else { throw CofferError.badRequest("invalid accessor") }
        try await tokens.revokeTree(record.idHash)
        return nil
    }
}
