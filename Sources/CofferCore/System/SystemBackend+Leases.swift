import CofferSDK

extension SystemBackend {
    var leasePaths: [PathSpec] {
        let idField: [String: FieldSpec] = [
            "lease_id": FieldSpec(.string), "url_lease_id": FieldSpec(.string), "increment": FieldSpec(.duration, default: 0),
            "sync": FieldSpec(.bool, default: true),
        ]
        let lookup: Handler = { [core] ctx in
            let id = try Self.leaseID(ctx)
            guard let lease = try await core.unsealed().leases.load(id) else { throw CofferError.badRequest("invalid lease") }
            return LogicalResponse(data: lease.lookupData(now: core.now))
        }
        let renew: Handler = { [core] ctx in
            try await core.renewLease(id: try Self.leaseID(ctx), increment: ctx.fields.seconds("increment") ?? 0)
        }
        let revoke: Handler = { [core] ctx in
            let id = try Self.leaseID(ctx)
            let leases = try core.unsealed().leases
            if ctx.fields.bool("sync") == false {
                try await leases.expireSoon(id)
            } else {
                try await leases.revokeNow(id)
            }
            return nil
        }
        let revokePrefix: Handler = { [core] ctx in
            try await core.revokePrefix(ctx.fields.string("prefix") ?? "", force: false)
            return nil
        }
        let revokeForce: Handler = { [core] ctx in
            try await core.revokePrefix(ctx.fields.string("prefix") ?? "", force: true)
            return nil
        }
        return [
            PathSpec("leases/lookup", fields: idField, help: "Look up a lease", handlers: [.update: lookup]),
            PathSpec("leases/lookup/*prefix", help: "List lease ids below a prefix", handlers: [
                .list: { [core] ctx in
                    var prefix = ctx.fields.string("prefix") ?? ""
                    if !prefix.isEmpty, !prefix.hasSuffix("/") { prefix += "/" }
                    let keys = try await core.unsealed().leases.children(of: prefix)
                    return keys.isEmpty ? nil : LogicalResponse(data: ["keys": .strings(keys)])
                },
            ]),
            PathSpec("leases/renew", fields: idField, help: "Renew a lease", handlers: [.update: renew]),
            PathSpec("leases/renew/*url_lease_id", fields: idField, help: "Renew a lease", handlers: [.update: renew]),
            PathSpec("leases/revoke", fields: idField, help: "Revoke a lease", handlers: [.update: revoke]),
            PathSpec("leases/revoke/*url_lease_id", fields: idField, help: "Revoke a lease", handlers: [.update: revoke]),
            PathSpec("leases/revoke-prefix/*prefix", fields: ["sync": FieldSpec(.bool, default: true)], help: "Revoke every lease below a prefix", handlers: [.update: revokePrefix]),
            PathSpec("leases/revoke-force/*prefix", help: "Forget every lease below a prefix without revoking", handlers: [.update: revokeForce]),
            PathSpec("leases/tidy", help: "Remove dangling lease entries", handlers: [
                .update: { [core] _ in
                    let cleaned = try await core.unsealed().leases.tidy()
                    return LogicalResponse(warnings: ["Tidy operation finished: \(cleaned) dangling entries removed."])
                },
            ]),
            PathSpec("leases/count", fields: ["type": FieldSpec(.string), "include_child_namespaces": FieldSpec(.bool)], help: "Count leases", handlers: [
                .read: { [core] ctx in
                    let (total, irrevocable) = try await core.unsealed().leases.counts()
                    let onlyIrrevocable = ctx.fields.string("type") == "irrevocable"
                    return LogicalResponse(data: [
                        "lease_count": .int(Int64(onlyIrrevocable ? irrevocable : total)),
                        "counts": ["root": .int(Int64(onlyIrrevocable ? irrevocable : total))],
                        "irrevocable_count": .int(Int64(irrevocable)),
                    ])
                },
            ]),
            // The older spellings that clients still use.
            PathSpec("renew", fields: idField, help: "Renew a lease (legacy path)", handlers: [.update: renew]),
            PathSpec("renew/*url_lease_id", fields: idField, help: "Renew a lease (legacy path)", handlers: [.update: renew]),
            PathSpec("revoke", fields: idField, help: "Revoke a lease (legacy path)", handlers: [.update: revoke]),
            PathSpec("revoke/*url_lease_id", fields: idField, help: "Revoke a lease (legacy path)", handlers: [.update: revoke]),
            PathSpec("revoke-prefix/*prefix", fields: ["sync": FieldSpec(.bool, default: true)], help: "Revoke by prefix (legacy path)", handlers: [.update: revokePrefix]),
            PathSpec("revoke-force/*prefix", help: "Forget by prefix (legacy path)", handlers: [.update: revokeForce]),
        ]
    }

    static func leaseID(_ ctx: HandlerContext) throws -> String {
        let id = ctx.fields.string("url_lease_id").flatMap { $0.isEmpty ? nil : $0 } ?? ctx.fields.string("lease_id") ?? ""
        guard !id.isEmpty else { throw CofferError.badRequest("lease_id is required") }
        return id
    }
}
