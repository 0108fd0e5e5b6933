import CofferSDK
import Logging
import Synchronization

extension SystemBackend {
    private static let mountFields: [String: FieldSpec] = [
        "type": FieldSpec(.string, description: "The engine type, such as kv or kv-v2"),
        "description": FieldSpec(.string, default: "", description: "Free text"),
        "config": FieldSpec(.object, description: "TTL settings"),
        "options": FieldSpec(.keyValuePairs, description: "Engine options, such as version=2 for KV"),
        "local": FieldSpec(.bool, default: false),
        "seal_wrap": FieldSpec(.bool, default: false),
        "external_entropy_access": FieldSpec(.bool, default: false),
        "plugin_name": FieldSpec(.string),
        "plugin_version": FieldSpec(.string),
    ]

    var mountPaths: [PathSpec] {
        [
            PathSpec("mounts", help: "List the mounted secret engines", handlers: [
                .read: { [core] _ in
                    let entries = try core.unsealed().router.entries.filter { !$0.isAuth }
                    var data = JSONObject()
                    for entry in entries { data[entry.path] = Self.describe(entry, core: core) }
                    return LogicalResponse(data: data, mergeDataIntoEnvelope: true)
                },
            ]),
            PathSpec("mounts/*path", fields: Self.mountFields, help: "Enable, read or disable a secret engine", handlers: [
                .read: { [core] ctx in
                    let path = Self.normalise(ctx.fields.string("path") ?? "")
                    guard let entry = try core.unsealed().router.mount(at: path)?.entry, !entry.isAuth else {
                        throw CofferError.badRequest("no matching mount at \"\(path)\"")
                    }
                    return LogicalResponse(data: Self.describe(entry, core: core).objectValue, mergeDataIntoEnvelope: true)
                },
                .update: { [core] ctx in
                    try await core.enableMount(ctx)
                    return nil
                },
                .delete: { [core] ctx in
                    try await core.disableMount(Self.normalise(ctx.fields.string("path") ?? ""))
                    return nil
                },
            ]),
        ]
    }

    static func normalise(_ raw: String) -> String {
        var path = raw
        while path.hasPrefix("/") { path.removeFirst() }
        return path.hasSuffix("/") ? path : path + "/"
    }

    static func describe(_ entry: MountEntry, core: Core) -> JSONValue {
        .object([
            "type": .string(entry.type),
            "description": .string(entry.description),
            "accessor": .string(entry.accessor),
            "uuid": .string(entry.uuid),
            "config": [
                "default_lease_ttl": .int(entry.defaultLeaseTTL), "max_lease_ttl": .int(entry.maxLeaseTTL),
                "force_no_cache": false,
            ],
            "options": entry.options.isEmpty ? .null : .object(entry.options.mapValues { .string($0) }),
            "local": false,
            "seal_wrap": false,
            "external_entropy_access": false,
            "plugin_version": "",
            "running_plugin_version": "",
        ])
    }
}

extension Core {
    /// `POST sys/mounts/:path`: validates, persists, then swaps in a router with the new mount.
    func enableMount(_ ctx: HandlerContext) async throws {
        guard var type = ctx.fields.string("type"), !type.isEmpty else { throw CofferError.badRequest("missing required field 'type'") }
        var options = (ctx.fields.object("options") ?? [:]).compactMapValues(\.stringValue)
        if type == "kv-v2" {
            type = "kv"
            options["version"] = "2"
        } else if type == "kv-v1" {
            type = "kv"
            options["version"] = "1"
        }
        guard registry.knows(type), !BackendRegistry.singletonTypes.contains(type) else {
            throw CofferError.badRequest("plugin not found in the catalog: \(type)")
        }
        let description = ctx.fields.string("description") ?? ""
        var defaultTTL: Int64 = 0
        var maxTTL: Int64 = 0
        if let config = ctx.fields.object("config") {
            if let raw = config["default_lease_ttl"] {
                guard let seconds = DurationParser.seconds(raw) else { throw CofferError.badRequest("invalid config.default_lease_ttl") }
                defaultTTL = seconds
            }
            if let raw = config["max_lease_ttl"] {
                guard let seconds = DurationParser.seconds(raw) else { throw CofferError.badRequest("invalid config.max_lease_ttl") }
                maxTTL = seconds
            }
        }
        let requested = ctx.fields.string("path") ?? ""
        try await mountChanges.run { [type, options, defaultTTL, maxTTL] in
            let current = try self.unsealed().router.entries
            let path = try MountTable.validateNewPath(requested, existing: current)
            var entry = MountTable.newEntry(path: path, type: type, description: description, options: options)
            entry.defaultLeaseTTL = defaultTTL
            entry.maxLeaseTTL = maxTTL
            guard self.registry.make(entry.info) != nil else { throw CofferError.badRequest("unsupported options for \(type)") }
            let updated = current + [entry]
            let router = try self.buildRouter(updated)
            try await MountTable.save(updated, to: self.barrier)
            self.active.withLock { $0?.router = router }
        }
        logger.info("mounted secret engine", metadata: ["path": "\(requested)", "type": "\(type)"])
    }

    /// `DELETE sys/mounts/:path`: removes the mount and every entry it stored.
    func disableMount(_ path: String) async throws {
        try await mountChanges.run {
            let current = try self.unsealed().router.entries
            guard let entry = current.first(where: { $0.path == path && !$0.isAuth }) else { return }
            if BackendRegistry.singletonTypes.contains(entry.type) {
                throw CofferError.badRequest("cannot unmount \"\(path)\"")
            }
            let remaining = current.filter { $0.path != path }
            let router = try self.buildRouter(remaining)
            // The table first, so a crash between the two steps leaves orphaned ciphertext, never
            // a mount whose data is half gone.
            try await MountTable.save(remaining, to: self.barrier)
            self.active.withLock { $0?.router = router }
            let view = StorageView(self.barrier, prefix: entry.storagePrefix)
            let keys = try await view.listRecursive()
            for chunk in stride(from: 0, to: keys.count, by: 500) {
                try await view.write(keys[chunk..<min(chunk + 500, keys.count)].map { .delete($0) })
            }
        }
    }
}
