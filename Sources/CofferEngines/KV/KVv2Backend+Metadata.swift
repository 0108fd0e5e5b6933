import CofferSDK

extension KVv2Backend {
    static let readMetadata: Handler = { ctx in
        guard let metadata = try await KVMetadata.load(ctx.storage, try KVPath.of(ctx)) else { return nil }
        return LogicalResponse(data: metadata.json())
    }

    static let listMetadata: Handler = { ctx in
        let path = ctx.fields.string("path") ?? ""
        let prefix = path.isEmpty || path.hasSuffix("/") ? path : path + "/"
        let keys = try await ctx.storage.list(prefix: "metadata/" + prefix)
        guard !keys.isEmpty else { return nil }
        return LogicalResponse(data: ["keys": .strings(keys)])
    }

    /// POST/PUT (replace the given settings) and PATCH (merge `custom_metadata`) on metadata;
    /// creates the metadata of a secret that has no versions yet, as Vault allows.
    static let writeMetadata: Handler = { ctx in
        let path = try KVPath.of(ctx)
        let fields = ctx.fields
        let patching = ctx.request.operation == .patch
        var customPatch: JSONObject?
        if let raw = fields.value("custom_metadata"), !raw.isNull {
            guard case .object(let object) = raw else { throw CofferError.badRequest("field \"custom_metadata\" must be an object of strings") }
            customPatch = object
        }
        let config = try await KVConfig.load(ctx.storage)
        try await locked(ctx, path) {
            let existing = try await KVMetadata.load(ctx.storage, path)
            if patching, existing == nil { throw CofferError(.notFound, []) }
            var metadata = existing ?? KVMetadata.fresh(now: ctx.now)
            if fields.has("max_versions") {
                guard let value = fields.int("max_versions"), value >= 0 else { throw CofferError.badRequest("max_versions must be a non-negative integer") }
                metadata.maxVersions = value
            }
            if fields.has("cas_required") { metadata.casRequired = fields.bool("cas_required") ?? false }
            if fields.has("delete_version_after") { metadata.deleteVersionAfter = fields.seconds("delete_version_after") ?? 0 }
            if let customPatch {
                var custom = patching ? metadata.customMetadata.mapValues { JSONValue.string($0) } : [:]
                custom = MergePatch.apply(customPatch, to: custom)
                metadata.customMetadata = try KVMetadata.validateCustom(custom)
            }
            metadata.updatedTime = ctx.now
            var writes: [StorageWrite] = []
            for pruned in metadata.prune(limit: metadata.effectiveMaxVersions(config)) {
                writes.append(.delete(KVPath.versionKey(path, pruned)))
            }
            writes.append(.put(KVPath.metadataKey(path), JSONWriter.encode(.object(metadata.stored()))))
            try await ctx.storage.write(writes)
        }
        return nil
    }

    static let deleteMetadata: Handler = { ctx in
        let path = try KVPath.of(ctx)
        try await locked(ctx, path) {
            guard let metadata = try await KVMetadata.load(ctx.storage, path) else { return }
            let deletes = metadata.versions.keys.map { StorageWrite.delete(KVPath.versionKey(path, $0)) }
            try await ctx.storage.write(deletes + [.delete(KVPath.metadataKey(path))])
        }
        return nil
    }
}
