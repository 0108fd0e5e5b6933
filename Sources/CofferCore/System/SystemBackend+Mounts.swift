import CofferCrypto
import CofferEngines
import CofferSDK
import Logging
import Synchronization

extension SystemBackend {
    static let mountFields: [String: FieldSpec] = [
        "type": FieldSpec(.string, description: "The engine or auth method type"),
        "description": FieldSpec(.string, description: "Free text"),
        "config": FieldSpec(.object, description: "TTL settings"),
        "options": FieldSpec(.keyValuePairs, description: "Engine options, such as version=2 for KV"),
        "local": FieldSpec(.bool, default: false),
        "seal_wrap": FieldSpec(.bool, default: false),
        "external_entropy_access": FieldSpec(.bool, default: false),
        "plugin_name": FieldSpec(.string),
        "plugin_version": FieldSpec(.string),
        "default_lease_ttl": FieldSpec(.string, description: "Tune: a duration, or \"system\""),
        "max_lease_ttl": FieldSpec(.string, description: "Tune: a duration, or \"system\""),
        "listing_visibility": FieldSpec(.string),
        "audit_non_hmac_request_keys": FieldSpec(.commaStringList),
        "audit_non_hmac_response_keys": FieldSpec(.commaStringList),
        "passthrough_request_headers": FieldSpec(.commaStringList),
        "allowed_response_headers": FieldSpec(.commaStringList),
        "token_type": FieldSpec(.string),
    ]

    var mountPaths: [PathSpec] {
        [
            PathSpec("mounts", help: "List the mounted secret engines", handlers: [
                .read: { [core] _ in try core.listMounts(auth: false) },
            ]),
            PathSpec("mounts/*path", fields: Self.mountFields, help: "Enable, tune, read or disable a secret engine", handlers: [
                .read: { [core] ctx in try core.readMountOrTune(ctx, auth: false) },
                .update: { [core] ctx in try await core.writeMountOrTune(ctx, auth: false) },
                .delete: { [core] ctx in
                    try await core.disableMount(Self.normalise(ctx.fields.string("path") ?? ""), auth: false)
                    return nil
                },
            ]),
            PathSpec("auth", help: "List the enabled auth methods", handlers: [
                .read: { [core] _ in try core.listMounts(auth: true) },
            ]),
            PathSpec("auth/*path", fields: Self.mountFields, help: "Enable, tune, read or disable an auth method", handlers: [
                .read: { [core] ctx in try core.readMountOrTune(ctx, auth: true) },
                .update: { [core] ctx in try await core.writeMountOrTune(ctx, auth: true) },
                .delete: { [core] ctx in
                    try await core.disableMount("auth/" + Self.normalise(ctx.fields.string("path") ?? ""), auth: true)
                    return nil
                },
            ]),
            PathSpec("remount", fields: ["from": FieldSpec(.string, required: true), "to": FieldSpec(.string, required: true)], help: "Move a mount", handlers: [
                .update: { [core] ctx in try await core.remount(ctx) },
            ]),
            PathSpec("remount/status/:migration_id", help: "The outcome of a move", handlers: [
                .read: { [core] ctx in
                    let id = ctx.fields.string("migration_id") ?? ""
                    guard let info = core.migrations.withLock({ $0[id] }) else { return nil }
                    return LogicalResponse(data: ["migration_id": .string(id), "migration_info": info])
                },
            ]),
            PathSpec("internal/ui/mounts", help: "Mounts the caller can use", handlers: [
                .read: { [core] ctx in try await core.uiMounts(ctx) },
            ]),
            PathSpec("internal/ui/mounts/*path", help: "The mount serving a path", handlers: [
                .read: { [core] ctx in try await core.uiMount(ctx) },
            ]),
        ]
    }

    static func normalise(_ raw: String) -> String {
        var path = raw
        while path.hasPrefix("/") { path.removeFirst() }
        return path.hasSuffix("/") ? path : path + "/"
    }

    static func describe(_ entry: MountEntry) -> JSONValue {
        .object([
            "type": .string(entry.type),
            "description": .string(entry.description),
            "accessor": .string(entry.accessor),
            "uuid": .string(entry.uuid),
            "config": .object(tuneData(entry)),
            "options": entry.options.isEmpty ? .null : .object(entry.options.mapValues { .string($0) }),
            "local": false,
            "seal_wrap": false,
            "external_entropy_access": false,
            "plugin_version": "",
            "running_plugin_version": "",
            "running_plugin_builtin": true,
        ])
    }

    static func tuneData(_ entry: MountEntry) -> JSONObject {
        ["default_lease_ttl": .int(entry.defaultLeaseTTL), "max_lease_ttl": .int(entry.maxLeaseTTL), "force_no_cache": false]
    }
}

extension Core {
    func listMounts(auth: Bool) throws -> LogicalResponse {
        var data = JSONObject()
        for entry in try unsealed().router.entries where entry.isAuth == auth {
            data[auth ? String(entry.path.dropFirst(5)) : entry.path] = SystemBackend.describe(entry)
        }
        return LogicalResponse(data: data, mergeDataIntoEnvelope: true)
    }

    /// Splits `secret/tune` into the mount path and whether the tune endpoint was meant.
    private func mountTarget(_ ctx: HandlerContext, auth: Bool) -> (path: String, tune: Bool) {
        var raw = ctx.fields.string("path") ?? ""
        var tune = false
        if raw.hasSuffix("/tune") || raw.hasSuffix("/tune/") {
            tune = true
            raw = String(raw.dropLast(raw.hasSuffix("/") ? 6 : 5))
        }
        let path = SystemBackend.normalise(raw)
        return (auth ? "auth/" + path : path, tune)
    }

    func readMountOrTune(_ ctx: HandlerContext, auth: Bool) throws -> LogicalResponse? {
        let (path, tune) = mountTarget(ctx, auth: auth)
        guard let entry = try unsealed().router.mount(at: path)?.entry, entry.isAuth == auth else {
            throw CofferError.badRequest("no mount at \"\(path)\"")
        }
        if tune {
            // Tune reads show the effective values, as Vault does: an untuned TTL is the system's.
            var data = SystemBackend.tuneData(entry)
            data["default_lease_ttl"] = .int(entry.defaultLeaseTTL > 0 ? entry.defaultLeaseTTL : options.defaultLeaseTTL)
            data["max_lease_ttl"] = .int(entry.maxLeaseTTL > 0 ? entry.maxLeaseTTL : options.maxLeaseTTL)
            if auth { data["token_type"] = "default-service" }
            data["description"] = .string(entry.description)
            if !entry.options.isEmpty { data["options"] = .object(entry.options.mapValues { .string($0) }) }
            return LogicalResponse(data: data, mergeDataIntoEnvelope: true)
        }
        return LogicalResponse(data: SystemBackend.describe(entry).objectValue, mergeDataIntoEnvelope: true)
    }

    func writeMountOrTune(_ ctx: HandlerContext, auth: Bool) async throws -> LogicalResponse? {
        let (path, tune) = mountTarget(ctx, auth: auth)
        if tune {
            try await tuneMount(path, ctx)
        } else {
            try await enableMount(path, ctx, auth: auth)
        }
        return nil
    }

    /// `POST sys/mounts/:path` and `sys/auth/:path`: validates, persists, swaps in a new router.
    func enableMount(_ requested: String, _ ctx: HandlerContext, auth: Bool) async throws {
        guard var type = ctx.fields.string("type"), !type.isEmpty else { throw CofferError.badRequest("missing required field 'type'") }
        var options = (ctx.fields.object("options") ?? [:]).compactMapValues(\.stringValue)
        if !auth, type == "kv-v2" || type == "kv-v1" {
            options["version"] = type == "kv-v2" ? "2" : "1"
            type = "kv"
        }
        // Vault's old name for the KV engine.
        if !auth, type == "generic" { type = "kv" }
        let known = auth ? authRegistry.knows(type) : registry.knows(type)
        guard known, !BackendRegistry.singletonTypes.contains(type) else {
            throw CofferError.badRequest(auth ? "unknown auth method type \"\(type)\"" : "plugin not found in the catalog: \(type)")
        }
        let description = ctx.fields.string("description") ?? ""
        let (defaultTTL, maxTTL) = try Self.ttls(ctx.fields.object("config") ?? [:])
        try await mountChanges.run { [type, options] in
            let current = try self.unsealed().router.entries
            // validateNewPath adds the auth/ prefix itself.
            let bare = auth && requested.hasPrefix("auth/") ? String(requested.dropFirst(5)) : requested
            let path = try MountTable.validateNewPath(bare, existing: current, auth: auth)
            var entry = MountTable.newEntry(path: path, type: type, description: description, options: options, isAuth: auth)
            entry.defaultLeaseTTL = defaultTTL
            entry.maxLeaseTTL = maxTTL
            try await self.commit(current + [entry])
        }
        logger.info("mounted", metadata: ["path": "\(requested)", "type": "\(type)"])
    }

    /// Persists a new mount table and swaps in the router built from it.
    private func commit(_ entries: [MountEntry]) async throws {
        let router = try buildRouter(entries)
        try await MountTable.save(entries, to: barrier)
        active.withLock { $0 = $0?.with(router: router) }
    }

    private static func ttls(_ config: JSONObject) throws(CofferError) -> (Int64, Int64) {
        func seconds(_ key: String) throws(CofferError) -> Int64 {
            guard let raw = config[key] else { return 0 }
            if raw.stringValue == "system" { return 0 }
            switch DurationParser.parse(raw) {
            case .seconds(let value): return value
            case .outOfRange: throw CofferError.badRequest(DurationParser.rangeMessage(key))
            case .invalid: throw CofferError.badRequest("invalid \(key): expected a duration")
            }
        }
        let defaultTTL = try seconds("default_lease_ttl"), maxTTL = try seconds("max_lease_ttl")
        if maxTTL > 0, defaultTTL > maxTTL { throw CofferError.badRequest("default_lease_ttl cannot be greater than max_lease_ttl") }
        return (defaultTTL, maxTTL)
    }

    /// `sys/mounts/:path/tune`: TTLs, description, and the KV version upgrade.
    func tuneMount(_ path: String, _ ctx: HandlerContext) async throws {
        var config = JSONObject()
        for key in ["default_lease_ttl", "max_lease_ttl"] {
            if let value = ctx.fields.string(key) { config[key] = .string(value) }
        }
        let (defaultTTL, maxTTL) = try Self.ttls(config)
        let newOptions = (ctx.fields.object("options") ?? [:]).compactMapValues(\.stringValue)
        let setDefault = config["default_lease_ttl"] != nil, setMax = config["max_lease_ttl"] != nil
        try await mountChanges.run {
            var entries = try self.unsealed().router.entries
            guard let index = entries.firstIndex(where: { $0.path == path }) else {
                throw CofferError.badRequest("no mount at \"\(path)\"")
            }
            var entry = entries[index]
            if setDefault { entry.defaultLeaseTTL = defaultTTL }
            if setMax { entry.maxLeaseTTL = maxTTL }
            let effectiveMax = entry.maxLeaseTTL > 0 ? entry.maxLeaseTTL : self.options.maxLeaseTTL
            if entry.defaultLeaseTTL > effectiveMax {
                throw CofferError.badRequest("default_lease_ttl cannot be greater than max_lease_ttl")
            }
            if let description = ctx.fields.string("description") { entry.description = description }
            if let version = newOptions["version"], entry.type == "kv", version != (entry.options["version"] ?? "1") {
                guard version == "2" else { throw CofferError.badRequest("a KV mount cannot be downgraded to version \(version)") }
                try await KVBackend.upgradeToVersion2(storage: StorageView(self.barrier, prefix: entry.storagePrefix), now: self.now)
                entry.options["version"] = "2"
            }
            entries[index] = entry
            try await self.commit(entries)
        }
    }

    /// `DELETE sys/mounts/:path`: removes the mount and every entry it stored.
    func disableMount(_ path: String, auth: Bool) async throws {
        // Its leases go first; if a backend refuses, the mount stays and the error says so.
        if try unsealed().router.entries.contains(where: { $0.path == path && $0.isAuth == auth }) {
            try await revokePrefix(path, force: false)
        }
        try await mountChanges.run {
            let current = try self.unsealed().router.entries
            guard let entry = current.first(where: { $0.path == path && $0.isAuth == auth }) else { return }
            if BackendRegistry.singletonTypes.contains(entry.type) {
                throw CofferError.badRequest("cannot unmount \"\(path)\"")
            }
            // The table first, so a crash between the two steps leaves orphaned ciphertext, never
            // a mount whose data is half gone.
            try await self.commit(current.filter { $0.path != path })
            let view = StorageView(self.barrier, prefix: entry.storagePrefix)
            let keys = try await view.listRecursive()
            for chunk in stride(from: 0, to: keys.count, by: 500) {
                try await view.write(keys[chunk..<min(chunk + 500, keys.count)].map { .delete($0) })
            }
        }
    }

    /// `sys/remount`: data is stored by mount id, so a move only rewrites the table.
    func remount(_ ctx: HandlerContext) async throws -> LogicalResponse {
        let from = SystemBackend.normalise(ctx.fields.string("from") ?? "")
        let to = ctx.fields.string("to") ?? ""
        let id = SecureRandom.uuid()
        try await mountChanges.run {
            var entries = try self.unsealed().router.entries
            guard let index = entries.firstIndex(where: { $0.path == from }) else {
                throw CofferError.badRequest("no mount at \"\(from)\"")
            }
            let entry = entries[index]
            if BackendRegistry.singletonTypes.contains(entry.type) { throw CofferError.badRequest("cannot move \"\(from)\"") }
            let others = entries.enumerated().filter { $0.offset != index }.map(\.element)
            let wantsAuth = to.hasPrefix("auth/")
            guard wantsAuth == entry.isAuth else { throw CofferError.badRequest("cannot move between secret engines and auth methods") }
            let target = try MountTable.validateNewPath(wantsAuth ? String(to.dropFirst(5)) : to, existing: others, auth: entry.isAuth)
            entries[index].path = target
            try await self.commit(entries)
            self.migrations.withLock {
                $0[id] = ["source_mount": .string(from), "target_mount": .string(target), "status": "success"]
            }
        }
        return LogicalResponse(data: ["migration_id": .string(id)])
    }

    /// `sys/internal/ui/mounts`: the mounts the caller has any access to.
    func uiMounts(_ ctx: HandlerContext) async throws -> LogicalResponse {
        let state = try unsealed()
        let acl = try await state.policies.acl(for: ctx.request.token?.policies ?? [])
        var secret = JSONObject(), auth = JSONObject()
        for entry in state.router.entries where acl.hasAccess(toMount: entry.path) {
            if entry.isAuth {
                auth[String(entry.path.dropFirst(5))] = SystemBackend.describe(entry)
            } else {
                secret[entry.path] = SystemBackend.describe(entry)
            }
        }
        return LogicalResponse(data: ["secret": .object(secret), "auth": .object(auth)])
    }

    /// `sys/internal/ui/mounts/:path`: which mount serves a path (the CLI's KV version probe).
    func uiMount(_ ctx: HandlerContext) async throws -> LogicalResponse {
        let state = try unsealed()
        let path = ctx.fields.string("path") ?? ""
        guard let (route, _) = state.router.route(path.hasSuffix("/") ? path : path + "/") ?? state.router.route(path) else {
            throw CofferError.badRequest("no mount found for path \"\(path)\"")
        }
        let acl = try await state.policies.acl(for: ctx.request.token?.policies ?? [])
        guard acl.hasAccess(toMount: route.entry.path) else { throw CofferError.permissionDenied }
        var data = SystemBackend.describe(route.entry).objectValue ?? [:]
        data["path"] = .string(route.entry.isAuth ? String(route.entry.path.dropFirst(5)) : route.entry.path)
        return LogicalResponse(data: data)
    }
}
