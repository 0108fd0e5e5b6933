import CofferSDK

/// KV version 2: every write makes a new version; metadata tracks them. Storage layout below
/// the mount: `config`, `metadata/<path>` (one document per secret) and `data/<path>/#<n>` (one
/// per version), written together in one batch so a crash never leaves half a version.
struct KVv2Backend: Backend {
    var paths: [PathSpec] {
        [
            PathSpec("config", fields: KVConfig.fields, help: "Engine-wide KV settings", handlers: [
                .read: { ctx in LogicalResponse(data: try await KVConfig.load(ctx.storage).json()) },
                .update: { ctx in
                    var config = try await KVConfig.load(ctx.storage)
                    try config.apply(ctx.fields)
                    try await ctx.storage.putJSON(KVConfig.key, .object(config.json()))
                    return nil
                },
            ]),
            PathSpec(
                "data/*path",
                fields: [
                    "version": FieldSpec(.int, default: 0, description: "The version to read; 0 for the latest"),
                    "data": FieldSpec(.any, description: "The secret's key-value pairs"),
                    "options": FieldSpec(.any, description: "Write options, such as cas"),
                ],
                existenceCheck: { ctx in try await KVMetadata.load(ctx.storage, try KVPath.of(ctx)) != nil },
                help: "Read or write versions of a secret",
                handlers: [.read: Self.readData, .create: Self.writeData, .update: Self.writeData, .delete: Self.deleteLatest]
            ),
            PathSpec("metadata/*path", help: "A secret's versions and settings", handlers: [
                .read: { ctx in
                    guard let metadata = try await KVMetadata.load(ctx.storage, try KVPath.of(ctx)) else { return nil }
                    return LogicalResponse(data: metadata.json())
                },
                .list: { ctx in
                    let path = ctx.fields.string("path") ?? ""
                    let prefix = path.isEmpty || path.hasSuffix("/") ? path : path + "/"
                    let keys = try await ctx.storage.list(prefix: "metadata/" + prefix)
                    guard !keys.isEmpty else { return nil }
                    return LogicalResponse(data: ["keys": .strings(keys)])
                },
                .delete: { ctx in
                    let path = try KVPath.of(ctx)
                    try await KeyedLock.shared.withLock(ctx.storage.prefix + path) {
                        guard let metadata = try await KVMetadata.load(ctx.storage, path) else { return }
                        let deletes = metadata.versions.keys.map { StorageWrite.delete(KVPath.versionKey(path, $0)) }
                        try await ctx.storage.write(deletes + [.delete(KVPath.metadataKey(path))])
                    }
                    return nil
                },
            ]),
        ]
    }

    private static let readData: Handler = { ctx in
        let path = try KVPath.of(ctx)
        guard let metadata = try await KVMetadata.load(ctx.storage, path) else { return nil }
        guard let requested = ctx.fields.int("version"), requested >= 0 else {
            throw CofferError.badRequest("invalid version: must be a non-negative integer")
        }
        let number = requested == 0 ? metadata.currentVersion : requested
        guard let version = metadata.versions[number] else { return nil }
        let versionMetadata = version.json(number: number, customMetadata: metadata.customMetadata)
        if version.deletionTime != nil || version.destroyed {
            // Vault answers 404 but still shows which version was deleted or destroyed.
            throw CofferError(.notFound, [], data: ["data": .null, "metadata": .object(versionMetadata)])
        }
        guard let data = try await ctx.storage.getJSON(KVPath.versionKey(path, number)) else { return nil }
        return LogicalResponse(data: ["data": data, "metadata": .object(versionMetadata)])
    }

    private static let writeData: Handler = { ctx in
        let path = try KVPath.of(ctx)
        guard let rawData = ctx.request.data["data"] else { throw CofferError.badRequest("no data provided") }
        guard case .object(let secret) = rawData else { throw CofferError.badRequest("field \"data\" must be an object") }
        var cas: Int64?
        if let rawOptions = ctx.request.data["options"], !rawOptions.isNull {
            guard case .object(let options) = rawOptions else { throw CofferError.badRequest("field \"options\" must be an object") }
            for name in options.keys where name != "cas" {
                throw CofferError.badRequest("unknown option \"\(name)\" in field \"options\"")
            }
            if let rawCAS = options["cas"] {
                guard let value = (try? FieldData.coerce(rawCAS, to: .int, field: "options.cas"))?.intValue, value >= 0 else {
                    throw CofferError.badRequest("field \"options.cas\" must be a non-negative integer")
                }
                cas = value
            }
        }
        let config = try await KVConfig.load(ctx.storage)
        return try await KeyedLock.shared.withLock(ctx.storage.prefix + path) {
            var metadata = try await KVMetadata.load(ctx.storage, path) ?? KVMetadata.fresh(now: ctx.now)
            if (config.casRequired || metadata.casRequired), cas == nil {
                throw CofferError.badRequest("check-and-set parameter required for this call")
            }
            if let cas, cas != metadata.currentVersion {
                throw CofferError.badRequest("check-and-set parameter did not match the current version")
            }
            let number = metadata.currentVersion + 1
            metadata.currentVersion = number
            metadata.updatedTime = ctx.now
            metadata.versions[number] = KVVersion(createdTime: ctx.now, deletionTime: nil, destroyed: false)
            var writes: [StorageWrite] = [.put(KVPath.versionKey(path, number), JSONWriter.encode(.object(secret)))]
            for pruned in metadata.prune(limit: metadata.effectiveMaxVersions(config)) {
                writes.append(.delete(KVPath.versionKey(path, pruned)))
            }
            writes.append(.put(KVPath.metadataKey(path), JSONWriter.encode(.object(metadata.stored()))))
            try await ctx.storage.write(writes)
            return LogicalResponse(data: metadata.versions[number]!.json(number: number, customMetadata: metadata.customMetadata))
        }
    }

    private static let deleteLatest: Handler = { ctx in
        let path = try KVPath.of(ctx)
        try await KeyedLock.shared.withLock(ctx.storage.prefix + path) {
            guard var metadata = try await KVMetadata.load(ctx.storage, path),
                var latest = metadata.versions[metadata.currentVersion], latest.deletionTime == nil, !latest.destroyed
            else { return }
            latest.deletionTime = ctx.now
            metadata.versions[metadata.currentVersion] = latest
            metadata.updatedTime = ctx.now
            try await ctx.storage.putJSON(KVPath.metadataKey(path), .object(metadata.stored()))
        }
        return nil
    }
}

/// Key naming for KV v2 storage.
enum KVPath {
    static func of(_ ctx: HandlerContext) throws -> String {
        let path = ctx.fields.string("path") ?? ""
        guard !path.isEmpty, !path.hasSuffix("/") else { throw CofferError.badRequest("missing or invalid secret path") }
        return path
    }

    static func metadataKey(_ path: String) -> String { "metadata/" + path }
    static func versionKey(_ path: String, _ version: Int64) -> String { "data/" + path + "/#" + String(version) }
}
