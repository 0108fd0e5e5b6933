import CofferSDK

/// One version's bookkeeping.
struct KVVersion: Sendable, Equatable {
    var createdTime: Double
    /// When the version is (or was, or will be, with `delete_version_after`) soft-deleted.
    var deletionTime: Double?
    var destroyed: Bool

    func isDeleted(at now: Double) -> Bool { deletionTime.map { $0 <= now } ?? false }

    func json(number: Int64, customMetadata: [String: String]) -> JSONObject {
        [
            "created_time": .string(Timestamp.rfc3339(createdTime)),
            "deletion_time": .string(deletionTime.map(Timestamp.rfc3339) ?? ""),
            "destroyed": .bool(destroyed),
            "version": .int(number),
            "custom_metadata": customMetadata.isEmpty ? .null : .object(customMetadata.mapValues { .string($0) }),
        ]
    }
}

/// A secret's metadata document: its versions and per-secret settings.
struct KVMetadata: Sendable {
    static let fields: [String: FieldSpec] = [
        "max_versions": FieldSpec(.int, description: "Versions kept; 0 uses the mount's setting"),
        "cas_required": FieldSpec(.bool, description: "Require check-and-set on writes"),
        "delete_version_after": FieldSpec(.duration, description: "Soft-delete versions this long after writing"),
        "custom_metadata": FieldSpec(.any, description: "Up to 64 string pairs"),
    ]

    /// Vault's limits on custom metadata: 64 keys, keys up to 128 bytes, values up to 512.
    static func validateCustom(_ object: JSONObject) throws(CofferError) -> [String: String] {
        guard object.count <= 64 else { throw CofferError.badRequest("custom_metadata may hold at most 64 keys") }
        var out = [String: String]()
        for (key, value) in object {
            guard case .string(let text) = value else { throw CofferError.badRequest("custom_metadata values must be strings") }
            guard !key.isEmpty, key.utf8.count <= 128 else { throw CofferError.badRequest("custom_metadata keys must be 1 to 128 bytes") }
            guard text.utf8.count <= 512 else { throw CofferError.badRequest("custom_metadata values must be at most 512 bytes") }
            out[key] = text
        }
        return out
    }

    var createdTime: Double
    var updatedTime: Double
    var currentVersion: Int64
    var maxVersions: Int64
    var casRequired: Bool
    var deleteVersionAfter: Int64
    var customMetadata: [String: String]
    var versions: [Int64: KVVersion]

    static func fresh(now: Double) -> KVMetadata {
        KVMetadata(
            createdTime: now, updatedTime: now, currentVersion: 0, maxVersions: 0, casRequired: false,
            deleteVersionAfter: 0, customMetadata: [:], versions: [:]
        )
    }

    /// Every KV read loads this: the stored fields are read in one pass over the object, as
    /// looking each possible field up by name hashed its name again (eleven lookups a read).
    /// A field that is missing, or of another type, reads as its default.
    static func load(_ storage: StorageView, _ path: String) async throws -> KVMetadata? {
        guard let o = try await storage.getJSON(KVPath.metadataKey(path))?.objectValue else { return nil }
        var metadata = KVMetadata.fresh(now: 0)
        for (key, value) in o {
            switch key {
            case "created": metadata.createdTime = value.doubleValue ?? 0
            case "updated": metadata.updatedTime = value.doubleValue ?? 0
            case "current_version": metadata.currentVersion = value.storedInt("kv current_version") ?? 0
            case "max_versions": metadata.maxVersions = value.storedInt("kv max_versions") ?? 0
            case "cas_required": metadata.casRequired = value.boolValue ?? false
            case "delete_version_after": metadata.deleteVersionAfter = value.storedSeconds("kv delete_version_after") ?? 0
            case "custom_metadata": metadata.customMetadata = (value.objectValue ?? [:]).compactMapValues(\.stringValue)
            case "versions": metadata.versions = versions(value.objectValue ?? [:])
            default: break
            }
        }
        return metadata
    }

    private static func versions(_ stored: JSONObject) -> [Int64: KVVersion] {
        var versions = [Int64: KVVersion]()
        for (key, value) in stored {
            guard let number = Int64(key), let v = value.objectValue else { continue }
            var version = KVVersion(createdTime: 0, deletionTime: nil, destroyed: false)
            for (field, fieldValue) in v {
                switch field {
                case "created": version.createdTime = fieldValue.doubleValue ?? 0
                case "deleted": version.deletionTime = fieldValue.doubleValue
                case "destroyed": version.destroyed = fieldValue.boolValue ?? false
                default: break
                }
            }
            versions[number] = version
        }
        return versions
    }

    /// The stored form (times as numbers, for exact round trips). Settings at their defaults
    /// are left out, as `load` reads a missing one as its default: the in-memory dev store holds
    /// one of these per secret, and the defaults were a third of it.
    func stored() -> JSONObject {
        var versionObjects = JSONObject()
        for (number, version) in versions {
            var v: JSONObject = ["created": .double(version.createdTime)]
            if version.destroyed { v["destroyed"] = .bool(true) }
            if let deleted = version.deletionTime { v["deleted"] = .double(deleted) }
            versionObjects[String(number)] = .object(v)
        }
        var out: JSONObject = [
            "created": .double(createdTime), "updated": .double(updatedTime), "current_version": .int(currentVersion),
            "versions": .object(versionObjects),
        ]
        if maxVersions != 0 { out["max_versions"] = .int(maxVersions) }
        if casRequired { out["cas_required"] = .bool(true) }
        if deleteVersionAfter != 0 { out["delete_version_after"] = .int(deleteVersionAfter) }
        if !customMetadata.isEmpty { out["custom_metadata"] = .object(customMetadata.mapValues { .string($0) }) }
        return out
    }

    /// Vault's metadata response.
    func json() -> JSONObject {
        var versionObjects = JSONObject()
        for (number, version) in versions {
            versionObjects[String(number)] = [
                "created_time": .string(Timestamp.rfc3339(version.createdTime)),
                "deletion_time": .string(version.deletionTime.map(Timestamp.rfc3339) ?? ""),
                "destroyed": .bool(version.destroyed),
            ]
        }
        return [
            "cas_required": .bool(casRequired),
            "created_time": .string(Timestamp.rfc3339(createdTime)),
            "current_version": .int(currentVersion),
            "custom_metadata": customMetadata.isEmpty ? .null : .object(customMetadata.mapValues { .string($0) }),
            "delete_version_after": .string(KVDuration.format(deleteVersionAfter)),
            "max_versions": .int(maxVersions),
            "oldest_version": .int(versions.keys.min() ?? 0),
            "updated_time": .string(Timestamp.rfc3339(updatedTime)),
            "versions": .object(versionObjects),
        ]
    }

    func effectiveMaxVersions(_ config: KVConfig) -> Int64 {
        if maxVersions > 0 { return maxVersions }
        return config.maxVersions > 0 ? config.maxVersions : 10
    }

    /// Drops the oldest versions beyond `limit` and returns their numbers.
    mutating func prune(limit: Int64) -> [Int64] {
        let ordered = versions.keys.sorted()
        guard ordered.count > Int(limit) else { return [] }
        let removed = Array(ordered.prefix(ordered.count - Int(limit)))
        for number in removed { versions.removeValue(forKey: number) }
        return removed
    }
}
