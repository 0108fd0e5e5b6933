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
