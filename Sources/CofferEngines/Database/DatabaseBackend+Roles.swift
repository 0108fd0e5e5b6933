import CofferSDK

extension DatabaseBackend {
    static let roleFields: [String: FieldSpec] = [
        "name": FieldSpec(.string),
        "db_name": FieldSpec(.string, description: "The connection the role uses"),
        "default_ttl": FieldSpec(.duration),
        "max_ttl": FieldSpec(.duration),
        "creation_statements": FieldSpec(.any, description: "SQL that creates {{name}} with {{password}}, valid until {{expiration}}"),
        "revocation_statements": FieldSpec(.any),
        "rollback_statements": FieldSpec(.any),
        "renew_statements": FieldSpec(.any),
        "credential_type": FieldSpec(.string),
        "credential_config": FieldSpec(.any),
    ]

    static let readRole: Handler = { ctx in
        guard let role = try await role(ctx.fields.string("name") ?? "", ctx.storage) else { return nil }
        return LogicalResponse(data: role.readData())
    }

    static let writeRole: Handler = { ctx in
        let name = try validName(ctx)
        let f = ctx.fields
        try await KeyedLock.shared.withLock(ctx.storage.prefix + "role/" + name) {
            if try await staticRole(name, ctx.storage) != nil {
                throw CofferError.badRequest("Role and Static Role names must be unique")
            }
            var role = try await role(name, ctx.storage) ?? DatabaseRole(name: name)
            if f.has("db_name") { role.dbName = f.string("db_name") ?? "" }
            guard !role.dbName.isEmpty else { throw CofferError.badRequest("empty database name attribute") }
            for (field, keyPath) in [
                ("creation_statements", \DatabaseRole.creationStatements), ("revocation_statements", \.revocationStatements),
                ("rollback_statements", \.rollbackStatements), ("renew_statements", \.renewStatements),
            ] where f.has(field) {
                role[keyPath: keyPath] = try DatabaseStatements.parse(f.value(field), field: field)
            }
            guard !role.creationStatements.isEmpty else { throw CofferError.badRequest("creation_statements is required for a dynamic role") }
            if let type = f.string("credential_type"), f.has("credential_type"), type != "password" {
                throw CofferError.badRequest("credential_type \"\(type)\" is not supported by the PostgreSQL plugin here; use \"password\"")
            }
            for field in ["default_ttl", "max_ttl"] where f.has(field) {
                guard let seconds = f.seconds(field), seconds >= 0 else { throw CofferError.badRequest("\(field) must not be negative") }
                if field == "default_ttl" { role.defaultTTL = seconds } else { role.maxTTL = seconds }
            }
            if role.maxTTL > 0, role.defaultTTL > role.maxTTL {
                throw CofferError.badRequest("default_ttl cannot be greater than max_ttl")
            }
            try await ctx.storage.putJSON("role/" + name, role.stored())
        }
        return nil
    }

    static let deleteRole: Handler = { ctx in
        let name = ctx.fields.string("name") ?? ""
        guard !name.isEmpty, !name.contains("/") else { return nil }
        try await ctx.storage.delete("role/" + name)
        return nil
    }
}
