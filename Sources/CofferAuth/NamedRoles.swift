import CofferSDK

/// The `role/` listing and the `role/:name` read, write and delete routes that the JWT and
/// Kubernetes methods share: roles stored under their lower-cased names, as Vault keeps them.
enum NamedRoles {
    /// The two routes; `load` reads a role by name, `json` renders it, `write` creates or updates.
    static func paths<Role: Sendable>(
        fields: [String: FieldSpec], help: String, load: @escaping @Sendable (String, StorageView) async throws -> Role?,
        json: @escaping @Sendable (Role) -> JSONObject, write: @escaping Handler
    ) -> [PathSpec] {
        [
            PathSpec("role/", help: "List roles", handlers: [
                .list: { ctx in
                    let names = try await ctx.storage.list(prefix: "role/")
                    return names.isEmpty ? nil : LogicalResponse(data: ["keys": .strings(names)])
                },
            ]),
            PathSpec("role/:name", fields: fields, existenceCheck: { ctx in
                try await ctx.storage.get(key(ctx)) != nil
            }, help: help, handlers: [
                .read: { ctx in
                    guard let role = try await load(ctx.fields.string("name") ?? "", ctx.storage) else { return nil }
                    return LogicalResponse(data: json(role))
                },
                .create: write, .update: write,
                .delete: { ctx in
                    try await ctx.storage.delete(key(ctx))
                    return nil
                },
            ]),
        ]
    }

    /// Where the role a request names is stored.
    static func key(_ ctx: HandlerContext) -> String { "role/" + (ctx.fields.string("name") ?? "").lowercased() }
}
