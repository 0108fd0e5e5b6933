import CofferSDK

extension AppRoleBackend {
    /// One answer for every wrong or expired credential, so a caller cannot tell which part failed.
    static let invalidCredentials = CofferError.badRequest("invalid role or secret ID")

    static let login: Handler = { ctx in
        let roleID = ctx.fields.string("role_id") ?? ""
        let secretID = ctx.fields.string("secret_id") ?? ""
        guard !roleID.isEmpty else { throw CofferError.badRequest("missing role_id") }
        // Both hashes are computed whatever happens, so timing does not reveal which part was wrong.
        let roleHash = ctx.crypto.salted(roleID)
        let secretHash = ctx.crypto.salted(secretID)
        let name = try await ctx.storage.getJSON("role_id/" + roleHash)?.objectValue?["name"]?.stringValue
        guard let name, let role = try await role(name, ctx.storage), ctx.crypto.constantTimeEquals(role.roleID, roleID) else {
            throw invalidCredentials
        }
        let address = ctx.request.connection.remoteAddress
        if !role.secretIDBoundCIDRs.isEmpty, !role.secretIDBoundCIDRs.contains(where: { CIDR($0)?.contains(address) == true }) {
            throw CofferError.badRequest("source address \(address) unauthorized by the role's CIDR restrictions")
        }
        var metadata = [String: String]()
        var settings = role.token
        if role.bindSecretID {
            guard !secretID.isEmpty else { throw invalidCredentials }
            let key = "secret_id/\(role.name)/\(secretHash)"
            let entry: AppRoleSecretID = try await KeyedLock.shared.withLock(ctx.storage.prefix + key) {
                guard var entry = try await ctx.storage.getJSON(key).flatMap(AppRoleSecretID.init(json:)) else { throw invalidCredentials }
                if entry.isExpired(at: ctx.now) {
                    try await ctx.storage.write([.delete(key), .delete("accessor/\(role.name)/\(entry.accessor)")])
                    throw invalidCredentials
                }
                if !entry.cidrList.isEmpty, !entry.cidrList.contains(where: { CIDR($0)?.contains(address) == true }) {
                    throw CofferError.badRequest("source address \(address) unauthorized by the SecretID's CIDR restrictions")
                }
                if entry.numUses > 0 {
                    entry.numUses -= 1
                    entry.lastUpdatedTime = ctx.now
                    if entry.numUses == 0 {
                        try await ctx.storage.write([.delete(key), .delete("accessor/\(role.name)/\(entry.accessor)")])
                    } else {
                        try await ctx.storage.putJSON(key, entry.stored())
                    }
                }
                return entry
            }
            metadata = entry.metadata
            if !entry.tokenBoundCIDRs.isEmpty { settings.boundCIDRs = entry.tokenBoundCIDRs }
        }
        metadata["role_name"] = role.name
        return LogicalResponse(auth: AuthResult(policies: [], metadata: metadata, displayName: "", settings: settings))
    }
}
