import CofferSDK

/// The key-value engine: version 1 (plain documents) or version 2 (versioned, with metadata),
/// chosen by the mount's `version` option as Vault does.
public enum KVBackend {
    /// Builds the engine for a mount; nil for an unknown version.
    public static func make(mount: MountInfo) -> (any Backend)? {
        switch mount.options["version"] ?? "1" {
        case "1", "": KVv1Backend()
        case "2": KVv2Backend()
        default: nil
        }
    }
}

/// KV version 1: read, write, list and delete at any path.
struct KVv1Backend: Backend {
    let paths: [PathSpec] = FlatStore.paths(help: "Pass-through secret storage") { ctx in ctx.storage }
}

extension KVBackend {
    /// `kv enable-versioning`: turns every version-1 document into version 1 of a version-2
    /// secret, in one batch, so the mount is never half converted.
    public static func upgradeToVersion2(storage: StorageView, now: Double) async throws {
        let keys = try await storage.listRecursive()
        var writes = [StorageWrite]()
        var puts = [StorageWrite]()
        for key in keys {
            guard let value = try await storage.get(key) else { continue }
            writes.append(.delete(key))
            var metadata = KVMetadata.fresh(now: now)
            metadata.currentVersion = 1
            metadata.versions[1] = KVVersion(createdTime: now, deletionTime: nil, destroyed: false)
            puts.append(.put(KVPath.versionKey(key, 1), value))
            puts.append(.put(KVPath.metadataKey(key), JSONWriter.encode(.object(metadata.stored()))))
        }
        try await storage.write(writes + puts)
    }
}
