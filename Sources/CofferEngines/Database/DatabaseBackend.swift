import CofferSDK
import Logging

/// Vault's Database secrets engine with the `postgresql-database-plugin`: connections, dynamic
/// roles whose credentials are PostgreSQL users that live as long as their lease, and static
/// roles whose existing users' passwords coffer rotates.
public struct DatabaseBackend: Backend {
    /// Creates the backend for a mount.
    public init() {}

    /// postgres-nio logs queries at debug level, and queries carry passwords: it gets no logger.
    static let silent = Logger(label: "coffer.database", factory: { _ in SwiftLogNoOpLogHandler() })

    static let nameField = ["name": FieldSpec(.string)]

    public var paths: [PathSpec] {
        [
            PathSpec("config/", help: "List connections", handlers: [.list: { ctx in try await Self.list(ctx, "config/") }]),
            PathSpec("config/:name", fields: Self.configFields, existenceCheck: { ctx in
                try await Self.config(ctx.fields.string("name") ?? "", ctx.storage) != nil
            }, help: "Configure a connection", handlers: [
                .read: Self.readConfig, .create: Self.writeConfig, .update: Self.writeConfig, .delete: Self.deleteConfig,
            ]),
            PathSpec("reset/:name", fields: Self.nameField, help: "Close and reopen a connection's pool", handlers: [.update: Self.resetConfig]),
            PathSpec("rotate-root/:name", fields: Self.nameField, help: "Rotate the connection's own password", handlers: [.update: Self.rotateRoot]),
            PathSpec("roles/", help: "List roles", handlers: [.list: { ctx in try await Self.list(ctx, "role/") }]),
            PathSpec("roles/:name", fields: Self.roleFields, existenceCheck: { ctx in
                try await Self.role(ctx.fields.string("name") ?? "", ctx.storage) != nil
            }, help: "Manage a dynamic role", handlers: [
                .read: Self.readRole, .create: Self.writeRole, .update: Self.writeRole, .delete: Self.deleteRole,
            ]),
            PathSpec("creds/:name", fields: Self.nameField, help: "Issue credentials for a role", handlers: [.read: Self.issueCreds]),
            PathSpec("static-roles/", help: "List static roles", handlers: [.list: { ctx in try await Self.list(ctx, "static-role/") }]),
            PathSpec("static-roles/:name", fields: Self.staticRoleFields, existenceCheck: { ctx in
                try await Self.staticRole(ctx.fields.string("name") ?? "", ctx.storage) != nil
            }, help: "Manage a static role", handlers: [
                .read: Self.readStaticRole, .create: Self.writeStaticRole, .update: Self.writeStaticRole, .delete: Self.deleteStaticRole,
            ]),
            PathSpec("static-creds/:name", fields: Self.nameField, help: "Read a static role's credentials", handlers: [.read: Self.readStaticCreds]),
            PathSpec("rotate-role/:name", fields: Self.nameField, help: "Rotate a static role's password now", handlers: [.update: Self.rotateStaticRole]),
        ]
    }

    public func revoke(_ lease: LeaseContext) async throws {
        try await Self.revokeCreds(lease)
    }

    public func renew(_ lease: LeaseContext) async throws -> LeaseOptions {
        try await Self.renewCreds(lease)
    }

    /// Static roles are checked every second: the shortest rotation period is 5 s.
    public var periodicInterval: Double? { 1 }

    public func periodic(_ context: PeriodicContext) async throws {
        try await Self.rotateDueStaticRoles(context)
    }

    // MARK: Shared helpers

    static func list(_ ctx: HandlerContext, _ prefix: String) async throws -> LogicalResponse? {
        let names = try await ctx.storage.list(prefix: prefix)
        return names.isEmpty ? nil : LogicalResponse(data: ["keys": .strings(names)])
    }

    /// Vault's name rule for connections and roles: word characters, `-` and `.`, starting and
    /// ending with a word character.
    static func validName(_ ctx: HandlerContext) throws(CofferError) -> String {
        let name = ctx.fields.string("name") ?? ""
        func word(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber || c == "_") }
        guard !name.isEmpty, name.count <= 128, let first = name.first, let last = name.last, word(first), word(last),
            name.allSatisfy({ word($0) || $0 == "-" || $0 == "." })
        else { throw CofferError.badRequest("invalid name") }
        return name
    }

    static func config(_ name: String, _ storage: StorageView) async throws -> DatabaseConnectionConfig? {
        guard !name.isEmpty, !name.contains("/") else { return nil }
        return try await storage.getJSON("config/" + name).flatMap(DatabaseConnectionConfig.init(json:))
    }

    static func role(_ name: String, _ storage: StorageView) async throws -> DatabaseRole? {
        guard !name.isEmpty, !name.contains("/") else { return nil }
        return try await storage.getJSON("role/" + name).flatMap(DatabaseRole.init(json:))
    }

    static func staticRole(_ name: String, _ storage: StorageView) async throws -> DatabaseStaticRole? {
        guard !name.isEmpty, !name.contains("/") else { return nil }
        return try await storage.getJSON("static-role/" + name).flatMap(DatabaseStaticRole.init(json:))
    }

    /// The pool key of a connection: mount and name, so two mounts never share a pool.
    static func poolKey(_ storage: StorageView, _ name: String) -> String { storage.prefix + "config/" + name }

    /// A runner on the connection's pool, masking `secrets` (and the connection's own password)
    /// in any error it describes.
    static func runner(_ config: DatabaseConnectionConfig, _ storage: StorageView, secrets: [String] = []) async throws -> PostgresRunner {
        let settings = try config.settings()
        let client = try await PostgresPools.shared.client(poolKey(storage, config.name), settings)
        return PostgresRunner(client: client, settings: settings, secrets: secrets + [config.password], logger: silent)
    }
}
