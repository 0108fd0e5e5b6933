import CofferSDK

/// One row of the mount table (secret engines) or the auth table (auth methods), persisted
/// through the barrier so mounts come back at unseal.
public struct MountEntry: Sendable, Hashable {
    /// The mount path with a trailing slash, relative to `/v1/` (auth mounts include `auth/`).
    public var path: String
    /// The engine or auth method type.
    public var type: String
    /// Free text.
    public var description: String
    /// A stable random id; the storage view lives below `logical/<uuid>/`.
    public var uuid: String
    /// A public handle, as Vault shows in `sys/mounts`.
    public var accessor: String
    /// Engine options (`version` for KV).
    public var options: [String: String]
    /// Per-mount TTL defaults in seconds; 0 means the system default.
    public var defaultLeaseTTL: Int64
    /// See `defaultLeaseTTL`.
    public var maxLeaseTTL: Int64
    /// True for auth methods.
    public var isAuth: Bool

    /// Where the backend's storage view starts.
    public var storagePrefix: String {
        switch type {
        case "system": "sys/"
        default: (isAuth ? "auth/" : "logical/") + uuid + "/"
        }
    }

    /// What the backend sees of its mount.
    public var info: MountInfo { MountInfo(path: path, type: type, options: options) }

    func json() -> JSONValue {
        .object([
            "path": .string(path), "type": .string(type), "description": .string(description), "uuid": .string(uuid),
            "accessor": .string(accessor), "options": .object(options.mapValues { .string($0) }),
            "default_lease_ttl": .int(defaultLeaseTTL), "max_lease_ttl": .int(maxLeaseTTL), "is_auth": .bool(isAuth),
        ])
    }

    init(path: String, type: String, description: String, uuid: String, accessor: String, options: [String: String],
         defaultLeaseTTL: Int64 = 0, maxLeaseTTL: Int64 = 0, isAuth: Bool = false) {
        self.path = path
        self.type = type
        self.description = description
        self.uuid = uuid
        self.accessor = accessor
        self.options = options
        self.defaultLeaseTTL = defaultLeaseTTL
        self.maxLeaseTTL = maxLeaseTTL
        self.isAuth = isAuth
    }

    init?(json: JSONValue) {
        guard let o = json.objectValue, let path = o["path"]?.stringValue, let type = o["type"]?.stringValue,
            let uuid = o["uuid"]?.stringValue
        else { return nil }
        self.init(
            path: path, type: type, description: o["description"]?.stringValue ?? "", uuid: uuid,
            accessor: o["accessor"]?.stringValue ?? "",
            options: (o["options"]?.objectValue ?? [:]).compactMapValues(\.stringValue),
            defaultLeaseTTL: o["default_lease_ttl"]?.storedSeconds("mount default_lease_ttl") ?? 0, maxLeaseTTL: o["max_lease_ttl"]?.storedSeconds("mount max_lease_ttl") ?? 0,
            isAuth: o["is_auth"]?.boolValue ?? false
        )
    }
}
