import CofferSDK

/// KV version 2: every write makes a new version; metadata tracks them. Storage layout below
/// the mount: `config`, `metadata/<path>` (one document per secret) and `data/<path>/#<n>` (one
/// per version), written together in one batch so a crash never leaves half a version.
struct KVv2Backend: Backend {
    static let versionsField: [String: FieldSpec] = ["versions": FieldSpec(.any, description: "The version numbers")]

    var paths: [PathSpec] {
        [
            PathSpec("config", fields: KVConfig.fields, help: "Engine-wide KV settings", withoutEffects: [.read], handlers: [
                .read: { ctx in LogicalResponse(data: try await KVConfig.load(ctx.storage).json()) },
                .update: { ctx in
                    var config = try await KVConfig.load(ctx.storage)
                    try config.apply(ctx.fields)
                    try await ctx.storage.putJSON(KVConfig.key, .object(config.stored()))
                    return nil
                },
            ]),
            PathSpec(
                "data/*path",
                fields: [
                    "version": FieldSpec(.any, description: "The version to read; 0 for the latest"),
                    "data": FieldSpec(.any, description: "The secret's key-value pairs"),
                    "options": FieldSpec(.any, description: "Write options, such as cas"),
                ],
                existenceCheck: { ctx in try await KVMetadata.load(ctx.storage, try KVPath.of(ctx)) != nil },
                help: "Read or write versions of a secret", withoutEffects: [.read],
                handlers: [
                    .read: Self.readData, .create: Self.writeData, .update: Self.writeData, .patch: Self.patchData,
                    .delete: Self.deleteLatest,
                ]
            ),
            PathSpec("delete/*path", fields: Self.versionsField, help: "Soft-delete versions", handlers: [
                .update: { ctx in try await Self.changeVersions(ctx, action: .delete) },
            ]),
            PathSpec("undelete/*path", fields: Self.versionsField, help: "Restore soft-deleted versions", handlers: [
                .update: { ctx in try await Self.changeVersions(ctx, action: .undelete) },
            ]),
            PathSpec("destroy/*path", fields: Self.versionsField, help: "Permanently remove versions", handlers: [
                .update: { ctx in try await Self.changeVersions(ctx, action: .destroy) },
            ]),
            PathSpec(
                "metadata/*path", fields: KVMetadata.fields,
                existenceCheck: { ctx in try await KVMetadata.load(ctx.storage, try KVPath.of(ctx)) != nil },
                help: "A secret's versions and settings", withoutEffects: [.read, .list],
                handlers: [
                    .read: Self.readMetadata, .list: Self.listMetadata, .create: Self.writeMetadata,
                    .update: Self.writeMetadata, .patch: Self.writeMetadata, .delete: Self.deleteMetadata,
                ]
            ),
            PathSpec("subkeys/*path", fields: [
                "version": FieldSpec(.any), "depth": FieldSpec(.any),
            ], help: "The shape of a secret without its values", withoutEffects: [.read], handlers: [
                .read: Self.readSubkeys,
            ]),
            // Any other path: the Vault v1 form (`secret/foo`) used on a v2 mount. Vault answers
            // with a hint naming the kv subcommand to use instead of a bare "unsupported path".
            PathSpec("*path", acceptsAnyField: true, help: "Not a KV v2 path", handlers: [
                .read: { _ in throw Self.invalidPath("get") }, .list: { _ in throw Self.invalidPath("list") },
                .create: { _ in throw Self.invalidPath("put") }, .update: { _ in throw Self.invalidPath("put") },
                .patch: { _ in throw Self.invalidPath("patch") }, .delete: { _ in throw Self.invalidPath("delete") },
            ]),
        ]
    }

    /// Vault's answer to a request outside the data/metadata/… layout of a version 2 mount.
    static func invalidPath(_ command: String) -> CofferError {
        CofferError(
            .notFound,
            "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv \(command)' for this operation."
        )
    }

    /// The version a read asks for, or 0 for the latest; 400 for anything but a whole number.
    static func requestedVersion(_ ctx: HandlerContext) throws(CofferError) -> Int64 {
        guard let raw = ctx.fields.value("version") else { return 0 }
        guard let value = (try? FieldData.coerce(raw, to: .int, field: "version"))?.intValue, value >= 0 else {
            throw CofferError.badRequest("invalid value for \"version\": must be a non-negative integer")
        }
        return value
    }

    /// Runs a read-modify-write on one secret's metadata under its lock.
    static func locked<T: Sendable>(_ ctx: HandlerContext, _ path: String, _ body: () async throws -> T) async throws -> T {
        try await KeyedLock.shared.withLock(ctx.storage.prefix + path, body)
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
