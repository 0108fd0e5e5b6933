import CofferSDK

extension KVv2Backend {
    static let readData: Handler = { ctx in
        let path = try KVPath.of(ctx)
        let requested = try requestedVersion(ctx)
        guard let metadata = try await KVMetadata.load(ctx.storage, path) else { return nil }
        let number = requested == 0 ? metadata.currentVersion : requested
        guard let version = metadata.versions[number] else { return nil }
        let versionMetadata = version.json(number: number, customMetadata: metadata.customMetadata)
        if version.isDeleted(at: ctx.now) || version.destroyed {
            // Vault answers 404 but still shows which version was deleted or destroyed.
            throw CofferError(.notFound, [], data: ["data": .null, "metadata": .object(versionMetadata)])
        }
        guard let data = try await ctx.storage.getJSON(KVPath.versionKey(path, number)) else { return nil }
        return LogicalResponse(data: ["data": data, "metadata": .object(versionMetadata)])
    }

    static let writeData: Handler = { ctx in
        let path = try KVPath.of(ctx)
        guard let rawData = ctx.request.data["data"] else { throw CofferError.badRequest("no data provided") }
        guard case .object(let secret) = rawData else { throw CofferError.badRequest("field \"data\" must be an object") }
        let cas = try casOption(ctx)
        return try await store(ctx, path: path, cas: cas) { _ in secret }
    }

    /// `PATCH data/:path`: a JSON merge patch (RFC 7386) onto the latest version.
    static let patchData: Handler = { ctx in
        let path = try KVPath.of(ctx)
        guard let rawData = ctx.request.data["data"] else { throw CofferError.badRequest("no data provided") }
        guard case .object(let patch) = rawData else { throw CofferError.badRequest("field \"data\" must be an object") }
        let cas = try casOption(ctx)
        return try await store(ctx, path: path, cas: cas) { current in
            guard let current else { throw CofferError(.notFound, []) }
            return MergePatch.apply(patch, to: current)
        }
    }

    /// Writes a new version whose data `make` builds from the current one (nil when there is
    /// none, or it is deleted or destroyed).
    static func store(
        _ ctx: HandlerContext, path: String, cas: Int64?, make: @Sendable @escaping (JSONObject?) throws -> JSONObject
    ) async throws -> LogicalResponse {
        let config = try await KVConfig.load(ctx.storage)
        return try await locked(ctx, path) {
            var metadata = try await KVMetadata.load(ctx.storage, path) ?? KVMetadata.fresh(now: ctx.now)
            if config.casRequired || metadata.casRequired, cas == nil {
                throw CofferError.badRequest("check-and-set parameter required for this call")
            }
            if let cas, cas != metadata.currentVersion {
                throw CofferError.badRequest("check-and-set parameter did not match the current version")
            }
            var current: JSONObject?
            if let latest = metadata.versions[metadata.currentVersion], !latest.isDeleted(at: ctx.now), !latest.destroyed {
                current = try await ctx.storage.getJSON(KVPath.versionKey(path, metadata.currentVersion))?.objectValue
            }
            let secret = try make(current)
            let number = metadata.currentVersion + 1
            metadata.currentVersion = number
            metadata.updatedTime = ctx.now
            let deleteAfter = metadata.deleteVersionAfter > 0 ? metadata.deleteVersionAfter : config.deleteVersionAfter
            metadata.versions[number] = KVVersion(
                createdTime: ctx.now, deletionTime: deleteAfter > 0 ? ctx.now + Double(deleteAfter) : nil, destroyed: false
            )
            var writes: [StorageWrite] = [.put(KVPath.versionKey(path, number), JSONWriter.encode(.object(secret)))]
            for pruned in metadata.prune(limit: metadata.effectiveMaxVersions(config)) {
                writes.append(.delete(KVPath.versionKey(path, pruned)))
            }
            writes.append(.put(KVPath.metadataKey(path), JSONWriter.encode(.object(metadata.stored()))))
            try await ctx.storage.write(writes)
            return LogicalResponse(data: metadata.versions[number]!.json(number: number, customMetadata: metadata.customMetadata))
        }
    }

    static func casOption(_ ctx: HandlerContext) throws -> Int64? {
        guard let rawOptions = ctx.request.data["options"], !rawOptions.isNull else { return nil }
        guard case .object(let options) = rawOptions else { throw CofferError.badRequest("field \"options\" must be an object") }
        for name in options.keys where name != "cas" {
            throw CofferError.badRequest("unknown option \"\(name)\" in field \"options\"")
        }
        guard let rawCAS = options["cas"] else { return nil }
        // A negative number is a valid integer that matches no version, as in Vault.
        guard let value = try FieldData.coerce(rawCAS, to: .int, field: "options.cas").intValue else {
            throw CofferError.badRequest("field \"options.cas\" must be an integer")
        }
        return value
    }

    static let deleteLatest: Handler = { ctx in
        let path = try KVPath.of(ctx)
        try await locked(ctx, path) {
            guard var metadata = try await KVMetadata.load(ctx.storage, path),
                var latest = metadata.versions[metadata.currentVersion], !latest.isDeleted(at: ctx.now), !latest.destroyed
            else { return }
            latest.deletionTime = ctx.now
            metadata.versions[metadata.currentVersion] = latest
            metadata.updatedTime = ctx.now
            try await ctx.storage.putJSON(KVPath.metadataKey(path), .object(metadata.stored()))
        }
        return nil
    }

    enum VersionAction { case delete, undelete, destroy }

    /// `delete/`, `undelete/` and `destroy/` with a `versions` list.
    static func changeVersions(_ ctx: HandlerContext, action: VersionAction) async throws -> LogicalResponse? {
        let path = try KVPath.of(ctx)
        guard let raw = ctx.fields.value("versions") else { throw CofferError.badRequest("no version number provided") }
        let list: [JSONValue]
        switch raw {
        case .array(let items): list = items
        case .string(let text): list = text.split(separator: ",").map { .string(String($0)) }
        default: list = [raw]
        }
        var numbers = [Int64]()
        for item in list {
            guard let number = (try? FieldData.coerce(item, to: .int, field: "versions"))?.intValue, number > 0 else {
                throw CofferError.badRequest("invalid value in \"versions\": each must be a positive integer")
            }
            numbers.append(number)
        }
        guard !numbers.isEmpty else { throw CofferError.badRequest("no version number provided") }
        try await locked(ctx, path) {
            guard var metadata = try await KVMetadata.load(ctx.storage, path) else { return }
            var writes = [StorageWrite]()
            for number in numbers {
                guard var version = metadata.versions[number], !version.destroyed else { continue }
                switch action {
                case .delete: if !version.isDeleted(at: ctx.now) { version.deletionTime = ctx.now }
                case .undelete: version.deletionTime = nil
                case .destroy:
                    version.destroyed = true
                    writes.append(.delete(KVPath.versionKey(path, number)))
                }
                metadata.versions[number] = version
            }
            metadata.updatedTime = ctx.now
            writes.append(.put(KVPath.metadataKey(path), JSONWriter.encode(.object(metadata.stored()))))
            try await ctx.storage.write(writes)
        }
        return nil
    }

    /// `subkeys/:path`: the secret's structure with every leaf value replaced by null.
    static let readSubkeys: Handler = { ctx in
        let path = try KVPath.of(ctx)
        let requested = try requestedVersion(ctx)
        var depth: Int64 = 0
        if let raw = ctx.fields.value("depth") {
            guard let value = (try? FieldData.coerce(raw, to: .int, field: "depth"))?.intValue, value >= 0 else {
                throw CofferError.badRequest("invalid value for \"depth\": must be a non-negative integer")
            }
            depth = value
        }
        guard let metadata = try await KVMetadata.load(ctx.storage, path) else { return nil }
        let number = requested == 0 ? metadata.currentVersion : requested
        guard let version = metadata.versions[number] else { return nil }
        let versionMetadata = version.json(number: number, customMetadata: metadata.customMetadata)
        if version.isDeleted(at: ctx.now) || version.destroyed {
            throw CofferError(.notFound, [], data: ["subkeys": .null, "metadata": .object(versionMetadata)])
        }
        guard let data = try await ctx.storage.getJSON(KVPath.versionKey(path, number))?.objectValue else { return nil }
        return LogicalResponse(data: ["subkeys": .object(Subkeys.of(data, depth: depth)), "metadata": .object(versionMetadata)])
    }
}

/// JSON merge patch (RFC 7386): objects merge recursively, null removes a key.
enum MergePatch {
    static func apply(_ patch: JSONObject, to target: JSONObject) -> JSONObject {
        var result = target
        for (key, value) in patch {
            switch value {
            case .null: result.removeValue(forKey: key)
            case .object(let inner):
                if case .object(let existing) = result[key] {
                    result[key] = .object(apply(inner, to: existing))
                } else {
                    result[key] = .object(apply(inner, to: [:]))
                }
            default: result[key] = value
            }
        }
        return result
    }
}

/// The keys of a secret without its values, to a depth (0 for all levels).
enum Subkeys {
    static func of(_ object: JSONObject, depth: Int64, level: Int64 = 1) -> JSONObject {
        var out = JSONObject()
        for (key, value) in object {
            if case .object(let inner) = value, depth == 0 || level < depth {
                out[key] = .object(of(inner, depth: depth, level: level + 1))
            } else {
                out[key] = .null
            }
        }
        return out
    }
}
