import CofferSDK

/// A KV v2 mount's `config`: defaults for every secret in it.
struct KVConfig: Sendable {
    static let key = "config"
    static let fields: [String: FieldSpec] = [
        "max_versions": FieldSpec(.int, description: "Versions kept per secret; 0 means 10"),
        "cas_required": FieldSpec(.bool, description: "Require check-and-set on every write"),
        "delete_version_after": FieldSpec(.duration, description: "Soft-delete versions this long after writing"),
    ]

    var maxVersions: Int64 = 0
    var casRequired = false
    var deleteVersionAfter: Int64 = 0

    static func load(_ storage: StorageView) async throws -> KVConfig {
        guard let stored = try await storage.getJSON(key)?.objectValue else { return KVConfig() }
        return KVConfig(
            maxVersions: stored["max_versions"]?.storedInt("kv config max_versions") ?? 0, casRequired: stored["cas_required"]?.boolValue ?? false,
            deleteVersionAfter: stored["delete_version_after"]?.storedSeconds("kv config delete_version_after") ?? 0
        )
    }

    mutating func apply(_ fields: FieldData) throws {
        if fields.has("max_versions") {
            guard let value = fields.int("max_versions"), value >= 0 else { throw CofferError.badRequest("max_versions must be non-negative") }
            maxVersions = value
        }
        if fields.has("cas_required") { casRequired = fields.bool("cas_required") ?? false }
        if fields.has("delete_version_after") { deleteVersionAfter = fields.seconds("delete_version_after") ?? 0 }
    }

    func stored() -> JSONObject {
        ["max_versions": .int(maxVersions), "cas_required": .bool(casRequired), "delete_version_after": .int(deleteVersionAfter)]
    }

    func json() -> JSONObject {
        [
            "max_versions": .int(maxVersions), "cas_required": .bool(casRequired),
            "delete_version_after": .string(KVDuration.format(deleteVersionAfter)),
        ]
    }
}

/// Go's `time.Duration` text form, which Vault uses for `delete_version_after` ("0s", "1h0m0s").
enum KVDuration {
    static func format(_ seconds: Int64) -> String {
        if seconds == 0 { return "0s" }
        let h = seconds / 3600, m = seconds % 3600 / 60, s = seconds % 60
        if h > 0 { return "\(h)h\(m)m\(s)s" }
        if m > 0 { return "\(m)m\(s)s" }
        return "\(s)s"
    }
}
