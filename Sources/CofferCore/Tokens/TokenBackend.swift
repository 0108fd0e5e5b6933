import CofferSDK

/// The `auth/token/` mount: creating, looking up, renewing and revoking tokens, and token roles.
/// Lives in the core because it works on the token store directly.
struct TokenBackend: Backend {
    unowned let core: Core

    var specialPaths: SpecialPaths {
        SpecialPaths(sudo: ["revoke-orphan", "revoke-orphan/*", "accessors", "accessors/*"])
    }

    static let createFields: [String: FieldSpec] = [
        "id": FieldSpec(.string), "policies": FieldSpec(.commaStringList), "meta": FieldSpec(.keyValuePairs),
        "no_parent": FieldSpec(.bool, default: false), "no_default_policy": FieldSpec(.bool, default: false),
        "renewable": FieldSpec(.bool), "ttl": FieldSpec(.duration), "explicit_max_ttl": FieldSpec(.duration),
        "display_name": FieldSpec(.string), "num_uses": FieldSpec(.int, default: 0), "period": FieldSpec(.duration),
        "type": FieldSpec(.string), "role_name": FieldSpec(.string), "entity_alias": FieldSpec(.string),
        "lease": FieldSpec(.duration),
    ]

    var paths: [PathSpec] {
        [
            PathSpec("create", fields: Self.createFields, help: "Create a child token", handlers: [
                .update: { [core] ctx in try await core.createToken(ctx, orphan: false, roleName: nil) },
            ]),
            PathSpec("create-orphan", fields: Self.createFields, help: "Create a token without a parent", handlers: [
                .update: { [core] ctx in try await core.createToken(ctx, orphan: true, roleName: nil) },
            ]),
            PathSpec("create/:role_name", fields: Self.createFields, help: "Create a token from a role", handlers: [
                .update: { [core] ctx in try await core.createToken(ctx, orphan: false, roleName: ctx.fields.string("role_name")) },
            ]),
            PathSpec("lookup", fields: ["token": FieldSpec(.string)], help: "Look up a token", handlers: [
                .read: { [core] ctx in try await core.lookupToken(ctx, token: ctx.fields.string("token")) },
                .update: { [core] ctx in try await core.lookupToken(ctx, token: ctx.fields.string("token")) },
            ]),
            PathSpec("lookup-self", fields: ["token": FieldSpec(.string)], help: "Look up the calling token", handlers: [
                .read: { [core] ctx in try await core.lookupToken(ctx, token: ctx.request.clientToken) },
                .update: { [core] ctx in try await core.lookupToken(ctx, token: ctx.request.clientToken) },
            ]),
            PathSpec("lookup-accessor", fields: ["accessor": FieldSpec(.string)], help: "Look up a token by accessor", handlers: [
                .update: { [core] ctx in try await core.lookupAccessor(ctx) },
            ]),
            PathSpec("renew", fields: ["token": FieldSpec(.string), "increment": FieldSpec(.duration, default: 0)], help: "Renew a token", handlers: [
                .update: { [core] ctx in try await core.renewToken(ctx, token: ctx.fields.string("token"), accessor: nil) },
            ]),
            PathSpec("renew-self", fields: ["increment": FieldSpec(.duration, default: 0)], help: "Renew the calling token", handlers: [
                .update: { [core] ctx in try await core.renewToken(ctx, token: ctx.request.clientToken, accessor: nil) },
            ]),
            PathSpec("renew-accessor", fields: ["accessor": FieldSpec(.string), "increment": FieldSpec(.duration, default: 0)], help: "Renew a token by accessor", handlers: [
                .update: { [core] ctx in try await core.renewToken(ctx, token: nil, accessor: ctx.fields.string("accessor") ?? "") },
            ]),
            PathSpec("revoke", fields: ["token": FieldSpec(.string)], help: "Revoke a token and its children", handlers: [
                .update: { [core] ctx in try await core.revokeToken(ctx, token: ctx.fields.string("token"), orphan: false) },
            ]),
            PathSpec("revoke-self", help: "Revoke the calling token and its children", handlers: [
                .update: { [core] ctx in try await core.revokeToken(ctx, token: ctx.request.clientToken, orphan: false) },
            ]),
            PathSpec("revoke-orphan", fields: ["token": FieldSpec(.string)], help: "Revoke a token, orphaning its children", handlers: [
                .update: { [core] ctx in try await core.revokeToken(ctx, token: ctx.fields.string("token"), orphan: true) },
            ]),
            PathSpec("revoke-accessor", fields: ["accessor": FieldSpec(.string)], help: "Revoke a token by accessor", handlers: [
                .update: { [core] ctx in try await core.revokeAccessor(ctx) },
            ]),
            PathSpec("accessors/", help: "List token accessors", handlers: [
                .list: { [core] _ in
                    let accessors = try await core.unsealed().tokens.accessors()
                    return LogicalResponse(data: ["keys": .strings(accessors)])
                },
            ]),
            PathSpec("roles/", help: "List token roles", handlers: [
                .list: { ctx in
                    let names = try await ctx.storage.list(prefix: "roles/")
                    return names.isEmpty ? nil : LogicalResponse(data: ["keys": .strings(names)])
                },
            ]),
            PathSpec("roles/:role_name", fields: TokenRole.fields, existenceCheck: { ctx in
                try await ctx.storage.get("roles/" + (ctx.fields.string("role_name") ?? "")) != nil
            }, help: "Manage a token role", handlers: [
                .read: { ctx in
                    guard let role = try await Self.role(ctx.fields.string("role_name") ?? "", ctx.storage) else { return nil }
                    return LogicalResponse(data: role.json())
                },
                .create: Self.writeRole, .update: Self.writeRole,
                .delete: { ctx in
                    try await ctx.storage.delete("roles/" + (ctx.fields.string("role_name") ?? ""))
                    return nil
                },
            ]),
            PathSpec("tidy", help: "Clean up dangling token entries", handlers: [
                .update: { [core] _ in
                    let cleaned = try await core.unsealed().tokens.tidy(now: core.now)
                    return LogicalResponse(warnings: ["Tidy operation finished: \(cleaned) dangling entries removed."])
                },
            ]),
        ]
    }

    static let writeRole: Handler = { ctx in
        let name = (ctx.fields.string("role_name") ?? "").lowercased()
        guard !name.isEmpty else { throw CofferError.badRequest("role name is required") }
        var role = try await Self.role(name, ctx.storage) ?? TokenRole(name: name)
        try role.update(from: ctx.fields)
        try await ctx.storage.putJSON("roles/" + name, .object(role.json()))
        return nil
    }

    static func role(_ name: String, _ storage: StorageView) async throws -> TokenRole? {
        guard !name.isEmpty, let json = try await storage.getJSON("roles/" + name.lowercased())?.objectValue else { return nil }
        return TokenRole(json: json)
    }
}
