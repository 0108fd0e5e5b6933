import CofferSDK

extension Core {
    /// The caller's full token record (backends see only `TokenEntry`).
    func callerRecord(_ ctx: HandlerContext) async throws -> TokenRecord {
        guard let raw = ctx.request.clientToken, let record = try await unsealed().tokens.lookup(raw, now: now) else {
            throw CofferError.permissionDenied
        }
        return record
    }

    /// True when `policies` grant sudo on `path` (root always does).
    func hasSudo(_ policies: [String], on path: String) async throws -> Bool {
        try await unsealed().policies.acl(for: policies).decide(path).allows(.sudo)
    }

    /// The token mount's (or the system's) default and maximum TTL.
    func tokenMountTTLs() throws -> (default: Int64, max: Int64) {
        let entry = try unsealed().router.mount(at: "auth/token/")?.entry
        let maxTTL = entry.flatMap { $0.maxLeaseTTL > 0 ? $0.maxLeaseTTL : nil } ?? options.maxLeaseTTL
        let defaultTTL = entry.flatMap { $0.defaultLeaseTTL > 0 ? $0.defaultLeaseTTL : nil } ?? options.defaultLeaseTTL
        return (min(defaultTTL, maxTTL), maxTTL)
    }

    /// `auth/token/create`, `create-orphan` and `create/:role`.
    func createToken(_ ctx: HandlerContext, orphan orphanPath: Bool, roleName: String?) async throws -> LogicalResponse {
        let parent = try await callerRecord(ctx)
        guard parent.type == .service else { throw CofferError.badRequest("batch tokens cannot create more tokens") }
        let fields = ctx.fields
        let fullPath = "auth/token/" + ctx.request.path
        let parentIsRoot = parent.policies.contains("root")
        let sudo = try await hasSudo(parent.policies, on: fullPath)
        var warnings = [String]()

        var role: TokenRole?
        if let roleName {
            guard let found = try await TokenBackend.role(roleName, ctx.storage) else {
                throw CofferError.badRequest("unknown role \"\(roleName)\"")
            }
            role = found
        }

        let requestedID = fields.string("id").flatMap { $0.isEmpty ? nil : $0 }
        if requestedID != nil, !parentIsRoot { throw CofferError.badRequest("root or sudo privileges required to specify token id") }

        var orphan = orphanPath || role?.orphan == true
        if fields.bool("no_parent") == true {
            guard sudo else { throw CofferError.badRequest("root or sudo privileges required to create orphan token") }
            orphan = true
        }
        if orphanPath, !sudo { throw CofferError.badRequest("root or sudo privileges required to create orphan token") }

        let requestedType = fields.string("type").flatMap { $0.isEmpty ? nil : $0 }
        if let requestedType, requestedType != "service", requestedType != "batch" {
            throw CofferError.badRequest("invalid 'type' value \"\(requestedType)\"; use service or batch")
        }
        let type = try role?.resolveType(requested: requestedType) ?? (requestedType == "batch" ? .batch : .service)

        // Policies: asked for, else the role's, else the parent's.
        var policies = Self.sanitise(fields.strings("policies") ?? [])
        if let role {
            if policies.isEmpty { policies = role.allowedPolicies.isEmpty ? Self.sanitise(parent.policies.filter { $0 != "default" }) : role.allowedPolicies }
            try role.check(policies: policies)
        } else if policies.isEmpty {
            policies = parent.policies
        } else if !parentIsRoot, !sudo {
            // Vault's subset rule binds only callers without sudo on the create path.
            let parentSet = Set(parent.policies)
            for policy in policies where policy != "default" && !parentSet.contains(policy) {
                throw CofferError.badRequest("child policies must be subset of parent")
            }
        }
        if policies.contains("root") {
            guard parentIsRoot else { throw CofferError.badRequest("root tokens may only be created by a root token") }
            policies = ["root"]
        }
        let noDefault = fields.bool("no_default_policy") == true || role?.settings.noDefaultPolicy == true
        if !noDefault, !policies.contains("root"), !policies.contains("default") { policies.append("default") }
        policies = Array(Set(policies)).sorted()
        if type == .batch, policies.contains("root") { throw CofferError.badRequest("batch tokens cannot be root tokens") }

        // Lifetimes.
        var period = role?.settings.period ?? 0
        if fields.has("period") {
            guard sudo || role != nil else { throw CofferError.badRequest("root or sudo privileges required to create periodic token") }
            period = fields.seconds("period") ?? 0
        }
        var explicitMax = role?.settings.explicitMaxTTL ?? 0
        if fields.has("explicit_max_ttl") {
            let asked = fields.seconds("explicit_max_ttl") ?? 0
            explicitMax = explicitMax > 0 && asked > 0 ? min(explicitMax, asked) : max(explicitMax, asked)
        }
        let numUses = fields.int("num_uses") ?? 0
        guard numUses >= 0 else { throw CofferError.badRequest("number of uses cannot be negative") }
        let uses = numUses > 0 ? numUses : role?.settings.numUses ?? 0
        var renewable = fields.bool("renewable") ?? true
        if role?.renewable == false { renewable = false }
        if type == .batch {
            if period > 0 { throw CofferError.badRequest("batch tokens cannot be periodic") }
            if uses > 0 { throw CofferError.badRequest("batch tokens cannot have a use limit") }
            renewable = false
        }
        let (mountDefault, mountMax) = try tokenMountTTLs()
        var maxTTL = mountMax
        if let roleMax = role?.settings.maxTTL, roleMax > 0 { maxTTL = min(maxTTL, roleMax) }
        var ttl = fields.seconds("ttl") ?? (fields.seconds("lease") ?? 0)
        if ttl == 0, let roleTTL = role?.settings.ttl, roleTTL > 0 { ttl = roleTTL }
        if period > 0 {
            ttl = period
        } else if ttl == 0 {
            // Root tokens asked for without a TTL never expire, as in Vault.
            ttl = policies.contains("root") ? 0 : mountDefault
        }
        if period == 0, ttl > maxTTL {
            warnings.append("TTL of \"\(ttl)s\" exceeded the effective max_ttl of \"\(maxTTL)s\"; TTL value is capped accordingly")
            ttl = maxTTL
        }
        if explicitMax > 0, ttl == 0 || ttl > explicitMax {
            if ttl > explicitMax {
                warnings.append("TTL of \"\(ttl)s\" exceeded the explicit_max_ttl of \"\(explicitMax)s\"; TTL value is capped accordingly")
            }
            ttl = explicitMax
        }
        if type == .batch, let parentExpiry = parent.expireTime, !orphan {
            // A batch token cannot outlive its parent: it would be dead anyway.
            ttl = min(ttl == 0 ? Int64.max : ttl, max(0, Int64(saturating: parentExpiry - now)))
        }

        var displayName = "token"
        if let name = fields.string("display_name"), !name.isEmpty { displayName += "-" + Self.displaySafe(name) }
        let path = roleName.map { "auth/token/create/\($0)" + (role?.pathSuffix.isEmpty == false ? "/" + role!.pathSuffix : "") } ?? fullPath

        let template = TokenRecord(
            idHash: "", accessor: "", parentHash: orphan ? nil : parent.idHash, policies: policies,
            meta: (fields.object("meta") ?? [:]).compactMapValues(\.stringValue), displayName: displayName, numUses: uses,
            creationTime: now, creationTTL: ttl, expireTime: ttl > 0 ? now + Double(ttl) : nil, explicitMaxTTL: explicitMax,
            period: period, maxTTL: period > 0 ? 0 : maxTTL, path: path, renewable: renewable && (ttl > 0), type: type,
            roleName: role?.name ?? "", cubbyholeID: nil, boundCIDRs: role?.settings.boundCIDRs ?? []
        )
        let (id, record) = try await storeToken(template, id: requestedID, state: unsealed())
        return LogicalResponse(auth: Self.authResult(id: id, record), warnings: warnings)
    }

    static func authResult(id: String, _ record: TokenRecord) -> AuthResult {
        var auth = AuthResult(policies: record.policies, metadata: record.meta, displayName: record.displayName)
        auth.clientToken = id
        auth.accessor = record.accessor
        auth.leaseDuration = record.creationTTL
        auth.renewable = record.renewable
        auth.orphan = record.isOrphan
        auth.tokenPolicies = record.policies
        auth.tokenType = record.type.rawValue
        auth.numUses = record.numUses
        return auth
    }

    static func sanitise(_ policies: [String]) -> [String] {
        var seen = Set<String>()
        return policies.map { $0.trimmingSpaces().lowercased() }.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    static func displaySafe(_ name: String) -> String {
        String(name.lowercased().map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" })
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
