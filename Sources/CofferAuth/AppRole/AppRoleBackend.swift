import CofferSDK

/// The AppRole auth method: a RoleID (not secret, in pipeline config) plus a SecretID (secret,
/// usually handed over wrapped) log a machine in. SecretIDs are stored only as salted hashes.
public struct AppRoleBackend: Backend {
    /// Creates the backend for a mount.
    public init() {}

    public var specialPaths: SpecialPaths { SpecialPaths(unauthenticated: ["login"]) }

    static let secretIDFields: [String: FieldSpec] = [
        "role_name": FieldSpec(.string),
        "secret_id": FieldSpec(.string, description: "The SecretID (custom-secret-id, lookup, destroy)"),
        "metadata": FieldSpec(.any, description: "A JSON object of strings, attached to tokens"),
        "cidr_list": FieldSpec(.commaStringList, description: "CIDRs the SecretID may log in from"),
        "token_bound_cidrs": FieldSpec(.commaStringList, description: "CIDRs the issued tokens may be used from"),
        "num_uses": FieldSpec(.int, description: "Logins allowed"),
        "ttl": FieldSpec(.duration, description: "Lifetime"),
    ]

    public var paths: [PathSpec] {
        [
            PathSpec("login", fields: ["role_id": FieldSpec(.string), "secret_id": FieldSpec(.string)], help: "Log in with a RoleID and SecretID", handlers: [
                .update: Self.login,
            ]),
            PathSpec("role/", help: "List roles", handlers: [
                .list: { ctx in
                    let names = try await ctx.storage.list(prefix: "role/")
                    return names.isEmpty ? nil : LogicalResponse(data: ["keys": .strings(names)])
                },
            ]),
            PathSpec("role/:role_name/role-id", fields: ["role_name": FieldSpec(.string), "role_id": FieldSpec(.string)], help: "A role's RoleID", handlers: [
                .read: { ctx in
                    let role = try await Self.requireRole(ctx)
                    return LogicalResponse(data: ["role_id": .string(role.roleID)])
                },
                .update: Self.setRoleID,
            ]),
            PathSpec("role/:role_name/secret-id", fields: Self.secretIDFields, help: "Issue or list SecretIDs", handlers: [
                .update: { ctx in try await Self.issueSecretID(ctx, custom: nil) },
                .list: { ctx in
                    let role = try await Self.requireRole(ctx)
                    let accessors = try await ctx.storage.list(prefix: "accessor/\(role.name)/")
                    return accessors.isEmpty ? nil : LogicalResponse(data: ["keys": .strings(accessors)])
                },
            ]),
            PathSpec("role/:role_name/custom-secret-id", fields: Self.secretIDFields, help: "Register a SecretID of your own", handlers: [
                .update: { ctx in
                    guard let custom = ctx.fields.string("secret_id"), !custom.isEmpty else { throw CofferError.badRequest("missing secret_id") }
                    return try await Self.issueSecretID(ctx, custom: custom)
                },
            ]),
            PathSpec("role/:role_name/secret-id/lookup", fields: Self.secretIDFields, help: "Look up a SecretID", handlers: [
                .update: { ctx in
                    let role = try await Self.requireRole(ctx)
                    guard let secret = ctx.fields.string("secret_id"), !secret.isEmpty else { throw CofferError.badRequest("missing secret_id") }
                    guard let entry = try await Self.secretEntry(ctx, role: role, hash: ctx.crypto.salted(secret)) else { return nil }
                    return LogicalResponse(data: entry.lookupData())
                },
            ]),
            PathSpec("role/:role_name/secret-id/destroy", fields: Self.secretIDFields, help: "Destroy a SecretID", handlers: [
                .update: Self.destroyBySecret, .delete: Self.destroyBySecret,
            ]),
            PathSpec("role/:role_name/secret-id-accessor/lookup", fields: ["role_name": FieldSpec(.string), "secret_id_accessor": FieldSpec(.string)], help: "Look up a SecretID by accessor", handlers: [
                .update: { ctx in
                    let (role, hash) = try await Self.byAccessor(ctx)
                    guard let entry = try await Self.secretEntry(ctx, role: role, hash: hash) else { return nil }
                    return LogicalResponse(data: entry.lookupData())
                },
            ]),
            PathSpec("role/:role_name/secret-id-accessor/destroy", fields: ["role_name": FieldSpec(.string), "secret_id_accessor": FieldSpec(.string)], help: "Destroy a SecretID by accessor", handlers: [
                .update: Self.destroyByAccessor, .delete: Self.destroyByAccessor,
            ]),
            PathSpec("role/:role_name", fields: AppRoleRole.fields, existenceCheck: { ctx in
                try await Self.role(ctx.fields.string("role_name") ?? "", ctx.storage) != nil
            }, help: "Manage a role", handlers: [
                .read: { ctx in
                    guard let role = try await Self.role(ctx.fields.string("role_name") ?? "", ctx.storage) else { return nil }
                    return LogicalResponse(data: role.json())
                },
                .create: Self.writeRole, .update: Self.writeRole, .delete: Self.deleteRole,
            ]),
            PathSpec("tidy/secret-id", help: "Remove expired SecretIDs", handlers: [
                .update: Self.tidy,
            ]),
        ]
    }
}
