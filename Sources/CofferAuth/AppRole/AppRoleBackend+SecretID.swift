import CofferSDK

extension AppRoleBackend {
    static func secretEntry(_ ctx: HandlerContext, role: AppRoleRole, hash: String) async throws -> AppRoleSecretID? {
        try await ctx.storage.getJSON("secret_id/\(role.name)/\(hash)").flatMap(AppRoleSecretID.init(json:))
    }

    /// `secret-id` and `custom-secret-id`: limits may only be tightened relative to the role's.
    static func issueSecretID(_ ctx: HandlerContext, custom: String?) async throws -> LogicalResponse {
        let role = try await requireRole(ctx)
        guard role.bindSecretID else { throw CofferError.badRequest("bind_secret_id is not set on role \"\(role.name)\"; it takes no SecretIDs") }
        let fields = ctx.fields
        var metadata = [String: String]()
        if let raw = fields.value("metadata") {
            var object: JSONObject?
            if case .object(let o) = raw { object = o }
            if case .string(let text) = raw { object = text.isEmpty ? [:] : (try? JSONParser.parse(text))?.objectValue }
            guard let object else { throw CofferError.badRequest("metadata must be a JSON object of strings") }
            for (key, value) in object {
                guard case .string(let text) = value else { throw CofferError.badRequest("metadata values must be strings") }
                metadata[key] = text
            }
        }
        let cidrs = fields.strings("cidr_list") ?? []
        for block in cidrs {
            guard let parsed = CIDR(block) else { throw CofferError.badRequest("invalid CIDR block \"\(block)\" in cidr_list") }
            if !role.secretIDBoundCIDRs.isEmpty, !role.secretIDBoundCIDRs.contains(where: { CIDR($0)?.encloses(parsed) == true }) {
                throw CofferError.badRequest("cidr_list \"\(block)\" is not within the role's secret_id_bound_cidrs")
            }
        }
        let tokenCIDRs = fields.strings("token_bound_cidrs") ?? []
        for block in tokenCIDRs where CIDR(block) == nil { throw CofferError.badRequest("invalid CIDR block \"\(block)\" in token_bound_cidrs") }
        var uses = role.secretIDNumUses
        if fields.has("num_uses") {
            let asked = fields.int("num_uses") ?? 0
            guard asked >= 0 else { throw CofferError.badRequest("num_uses cannot be negative") }
            if role.secretIDNumUses > 0, asked == 0 || asked > role.secretIDNumUses {
                throw CofferError.badRequest("num_uses cannot be higher than the role's secret_id_num_uses")
            }
            uses = asked
        }
        var ttl = role.secretIDTTL
        if fields.has("ttl") {
            let asked = fields.seconds("ttl") ?? 0
            if role.secretIDTTL > 0, asked == 0 || asked > role.secretIDTTL {
                throw CofferError.badRequest("ttl cannot be longer than the role's secret_id_ttl")
            }
            ttl = asked
        }
        let secretID = custom ?? ctx.crypto.uuid()
        let hash = ctx.crypto.salted(secretID)
        guard try await ctx.storage.get("secret_id/\(role.name)/\(hash)") == nil else { throw CofferError.badRequest("that SecretID is already registered") }
        let entry = AppRoleSecretID(
            accessor: ctx.crypto.uuid(), metadata: metadata, cidrList: cidrs, tokenBoundCIDRs: tokenCIDRs, numUses: uses, ttl: ttl, now: ctx.now
        )
        try await ctx.storage.write([
            .put("secret_id/\(role.name)/\(hash)", JSONWriter.encode(entry.stored())),
            .put("accessor/\(role.name)/\(entry.accessor)", JSONWriter.encode(["hash": .string(hash)])),
        ])
        return LogicalResponse(data: [
            "secret_id": .string(secretID), "secret_id_accessor": .string(entry.accessor),
            "secret_id_ttl": .int(ttl), "secret_id_num_uses": .int(uses),
        ])
    }

    static func byAccessor(_ ctx: HandlerContext) async throws -> (AppRoleRole, String) {
        let role = try await requireRole(ctx)
        guard let accessor = ctx.fields.string("secret_id_accessor"), !accessor.isEmpty else {
            throw CofferError.badRequest("missing secret_id_accessor")
        }
        guard let hash = try await ctx.storage.getJSON("accessor/\(role.name)/\(accessor)")?.objectValue?["hash"]?.stringValue else {
            throw CofferError.badRequest("failed to find accessor entry for secret_id_accessor")
        }
        return (role, hash)
    }

    static func destroy(_ ctx: HandlerContext, role: AppRoleRole, hash: String) async throws {
        try await KeyedLock.shared.withLock(ctx.storage.prefix + "secret_id/\(role.name)/\(hash)") {
            guard let entry = try await secretEntry(ctx, role: role, hash: hash) else { return }
            try await ctx.storage.write([.delete("secret_id/\(role.name)/\(hash)"), .delete("accessor/\(role.name)/\(entry.accessor)")])
        }
    }

    static let destroyBySecret: Handler = { ctx in
        let role = try await requireRole(ctx)
        guard let secret = ctx.fields.string("secret_id"), !secret.isEmpty else { throw CofferError.badRequest("missing secret_id") }
        try await destroy(ctx, role: role, hash: ctx.crypto.salted(secret))
        return nil
    }

    static let destroyByAccessor: Handler = { ctx in
        let (role, hash) = try await byAccessor(ctx)
        try await destroy(ctx, role: role, hash: hash)
        return nil
    }

    /// `tidy/secret-id`: expired SecretIDs and accessors that point at nothing.
    static let tidy: Handler = { ctx in
        var removed = 0
        for folder in try await ctx.storage.list(prefix: "secret_id/") {
            let name = String(folder.dropLast())
            for hash in try await ctx.storage.list(prefix: "secret_id/\(folder)") {
                guard let entry = try await ctx.storage.getJSON("secret_id/\(folder)\(hash)").flatMap(AppRoleSecretID.init(json:)) else { continue }
                if entry.isExpired(at: ctx.now) {
                    try await ctx.storage.write([.delete("secret_id/\(folder)\(hash)"), .delete("accessor/\(name)/\(entry.accessor)")])
                    removed += 1
                }
            }
        }
        for folder in try await ctx.storage.list(prefix: "accessor/") {
            for accessor in try await ctx.storage.list(prefix: "accessor/\(folder)") {
                guard let hash = try await ctx.storage.getJSON("accessor/\(folder)\(accessor)")?.objectValue?["hash"]?.stringValue else { continue }
                if try await ctx.storage.get("secret_id/\(folder)\(hash)") == nil {
                    try await ctx.storage.delete("accessor/\(folder)\(accessor)")
                    removed += 1
                }
            }
        }
        return LogicalResponse(warnings: ["Tidy operation finished: \(removed) entries removed."])
    }
}
