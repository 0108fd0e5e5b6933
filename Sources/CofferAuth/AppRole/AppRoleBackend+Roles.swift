import CofferSDK

extension AppRoleBackend {
    static func role(_ name: String, _ storage: StorageView) async throws -> AppRoleRole? {
        guard !name.isEmpty else { return nil }
        return try await storage.getJSON("role/" + name.lowercased()).flatMap(AppRoleRole.init(json:))
    }

    static func requireRole(_ ctx: HandlerContext) async throws -> AppRoleRole {
        let name = ctx.fields.string("role_name") ?? ""
        guard let role = try await role(name, ctx.storage) else { throw CofferError.badRequest("role \"\(name)\" does not exist") }
        return role
    }

    static let writeRole: Handler = { ctx in
        let name = (ctx.fields.string("role_name") ?? "").lowercased()
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.@".contains($0) }) else {
            throw CofferError.badRequest("invalid role name")
        }
        try await KeyedLock.shared.withLock(ctx.storage.prefix + "role/" + name) {
            let existing = try await role(name, ctx.storage)
            var role = existing ?? AppRoleRole(name: name, roleID: ctx.crypto.uuid())
            try role.update(from: ctx.fields)
            var writes: [StorageWrite] = []
            if let custom = ctx.fields.string("role_id"), !custom.isEmpty, custom != role.roleID {
                guard try await ctx.storage.get("role_id/" + ctx.crypto.salted(custom)) == nil else {
                    throw CofferError.badRequest("role_id is already in use")
                }
                if existing != nil { writes.append(.delete("role_id/" + ctx.crypto.salted(role.roleID))) }
                role.roleID = custom
            }
            writes.append(.put("role/" + name, JSONWriter.encode(role.stored())))
            writes.append(.put("role_id/" + ctx.crypto.salted(role.roleID), JSONWriter.encode(["name": .string(name)])))
            try await ctx.storage.write(writes)
        }
        return nil
    }

    static let setRoleID: Handler = { ctx in
        var role = try await requireRole(ctx)
        guard let custom = ctx.fields.string("role_id"), !custom.isEmpty else { throw CofferError.badRequest("missing role_id") }
        guard custom != role.roleID else { return nil }
        guard try await ctx.storage.get("role_id/" + ctx.crypto.salted(custom)) == nil else { throw CofferError.badRequest("role_id is already in use") }
        let old = role.roleID
        role.roleID = custom
        try await ctx.storage.write([
            .delete("role_id/" + ctx.crypto.salted(old)),
            .put("role_id/" + ctx.crypto.salted(custom), JSONWriter.encode(["name": .string(role.name)])),
            .put("role/" + role.name, JSONWriter.encode(role.stored())),
        ])
        return nil
    }

    static let deleteRole: Handler = { ctx in
        guard let role = try await role(ctx.fields.string("role_name") ?? "", ctx.storage) else { return nil }
        var writes: [StorageWrite] = [.delete("role/" + role.name), .delete("role_id/" + ctx.crypto.salted(role.roleID))]
        for hash in try await ctx.storage.list(prefix: "secret_id/\(role.name)/") { writes.append(.delete("secret_id/\(role.name)/\(hash)")) }
        for accessor in try await ctx.storage.list(prefix: "accessor/\(role.name)/") { writes.append(.delete("accessor/\(role.name)/\(accessor)")) }
        try await ctx.storage.write(writes)
        return nil
    }
}
