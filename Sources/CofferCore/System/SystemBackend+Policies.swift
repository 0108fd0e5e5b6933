import CofferSDK

extension SystemBackend {
    var policyPaths: [PathSpec] {
        let policyFields: [String: FieldSpec] = [
            "name": FieldSpec(.string), "policy": FieldSpec(.string), "rules": FieldSpec(.string),
        ]
        return [
            PathSpec("policy", help: "List ACL policies (legacy path)", handlers: [
                .read: { [core] _ in
                    let names = try await core.unsealed().policies.names()
                    return LogicalResponse(data: ["policies": .strings(names), "keys": .strings(names)], mergeDataIntoEnvelope: true)
                },
                .list: { [core] _ in
                    let names = try await core.unsealed().policies.names()
                    return LogicalResponse(data: ["policies": .strings(names), "keys": .strings(names)], mergeDataIntoEnvelope: true)
                },
            ]),
            PathSpec("policy/:name", fields: policyFields, help: "Manage an ACL policy (legacy path)", handlers: [
                .read: { [core] ctx in
                    guard let policy = try await core.unsealed().policies.get(Self.policyName(ctx)) else { return nil }
                    return LogicalResponse(data: ["name": .string(policy.name), "rules": .string(policy.raw)], mergeDataIntoEnvelope: true)
                },
                .update: { [core] ctx in try await core.writePolicy(ctx) },
                .delete: { [core] ctx in try await core.deletePolicy(ctx) },
            ]),
            PathSpec("policies/acl/", help: "List ACL policies", handlers: [
                .list: { [core] _ in LogicalResponse(data: ["keys": .strings(try await core.unsealed().policies.names())]) },
            ]),
            PathSpec("policies/acl/:name", fields: policyFields, help: "Manage an ACL policy", handlers: [
                .read: { [core] ctx in
                    guard let policy = try await core.unsealed().policies.get(Self.policyName(ctx)) else { return nil }
                    return LogicalResponse(data: ["name": .string(policy.name), "policy": .string(policy.raw)])
                },
                .update: { [core] ctx in try await core.writePolicy(ctx) },
                .delete: { [core] ctx in try await core.deletePolicy(ctx) },
            ]),
            PathSpec("capabilities", fields: ["token": FieldSpec(.string), "path": FieldSpec(.commaStringList), "paths": FieldSpec(.commaStringList)], help: "A token's capabilities on paths", handlers: [
                .update: { [core] ctx in
                    guard let token = ctx.fields.string("token"), !token.isEmpty,
                        let record = try await core.unsealed().tokens.lookup(token, now: core.now)
                    else { throw CofferError.badRequest("invalid token") }
                    return try await core.capabilities(record.policies, ctx)
                },
            ]),
            PathSpec("capabilities-self", fields: ["token": FieldSpec(.string), "path": FieldSpec(.commaStringList), "paths": FieldSpec(.commaStringList)], help: "The caller's capabilities on paths", handlers: [
                .update: { [core] ctx in
                    try await core.capabilities(ctx.request.token?.policies ?? [], ctx)
                },
            ]),
            PathSpec("capabilities-accessor", fields: ["accessor": FieldSpec(.string), "path": FieldSpec(.commaStringList), "paths": FieldSpec(.commaStringList)], help: "Capabilities of the token with an accessor", handlers: [
                .update: { [core] ctx in
                    guard let accessor = ctx.fields.string("accessor"), !accessor.isEmpty,
                        let record = try await core.unsealed().tokens.lookupAccessor(accessor, now: core.now)
                    else { throw CofferError.badRequest("invalid accessor") }
                    return try await core.capabilities(record.policies, ctx)
                },
            ]),
        ]
    }

    static func policyName(_ ctx: HandlerContext) -> String {
        (ctx.fields.string("name") ?? "").lowercased()
    }
}

extension Core {
    func writePolicy(_ ctx: HandlerContext) async throws -> LogicalResponse? {
        let name = SystemBackend.policyName(ctx)
        guard !name.isEmpty else { throw CofferError.badRequest("policy name is required") }
        if name == "root" || name == Core.responseWrappingPolicy { throw CofferError.badRequest("cannot update the \(name) policy") }
        guard let text = ctx.fields.string("policy") ?? ctx.fields.string("rules") else {
            throw CofferError.badRequest("'policy' parameter not supplied or empty")
        }
        try await unsealed().policies.put(Policy.parse(name: name, text: text))
        return nil
    }

    func deletePolicy(_ ctx: HandlerContext) async throws -> LogicalResponse? {
        let name = SystemBackend.policyName(ctx)
        if name == "root" || name == "default" { throw CofferError.badRequest("cannot delete the \(name) policy") }
        try await unsealed().policies.delete(name)
        return nil
    }

    /// `sys/capabilities*`: per path, and under `capabilities` when one path was asked.
    func capabilities(_ policies: [String], _ ctx: HandlerContext) async throws -> LogicalResponse {
        let paths = (ctx.fields.strings("paths") ?? []) + (ctx.fields.strings("path") ?? [])
        guard !paths.isEmpty else { throw CofferError.badRequest("missing path") }
        let acl = try await unsealed().policies.acl(for: policies)
        var data = JSONObject()
        for path in paths {
            data[path] = .strings(acl.capabilityNames(path))
        }
        if paths.count == 1 { data["capabilities"] = data[paths[0]] }
        return LogicalResponse(data: data, mergeDataIntoEnvelope: true)
    }
}
