import CofferSDK

extension DatabaseBackend {
    static let staticRoleFields: [String: FieldSpec] = [
        "name": FieldSpec(.string),
        "db_name": FieldSpec(.string),
        "username": FieldSpec(.string, description: "The existing database user"),
        "rotation_period": FieldSpec(.duration, description: "How often the password changes (5s or more)"),
        "rotation_statements": FieldSpec(.any, description: "SQL that sets {{name}}'s password to {{password}}"),
        "credential_type": FieldSpec(.string),
        "credential_config": FieldSpec(.any),
    ]

    static func staticLockKey(_ ctx: HandlerContext, _ name: String) -> String { staticLockKey(ctx.storage, name) }
    static func staticLockKey(_ storage: StorageView, _ name: String) -> String { storage.prefix + "static-role/" + name }

    /// The core's scheduled pass: every static role whose period has passed gets a new password,
    /// whether or not anyone reads it. A role that fails is retried on the next pass; the others
    /// go on.
    static func rotateDueStaticRoles(_ context: PeriodicContext) async throws {
        var failures = [String]()
        for name in try await context.storage.list(prefix: "static-role/") {
            do {
                try await KeyedLock.shared.withLock(staticLockKey(context.storage, name)) {
                    guard let role = try await staticRole(name, context.storage), role.isDue(at: context.now),
                        let config = try await config(role.dbName, context.storage)
                    else { return }
                    _ = try await rotate(role, config, context.storage, now: context.now)
                }
            } catch {
                failures.append(name)
            }
        }
        if !failures.isEmpty {
            throw CofferError(.internalError, "static roles could not be rotated: \(failures.joined(separator: ", "))")
        }
    }

    static let readStaticRole: Handler = { ctx in
        guard let role = try await staticRole(ctx.fields.string("name") ?? "", ctx.storage) else { return nil }
        return LogicalResponse(data: role.readData())
    }

    /// Creating a static role takes over the user's password at once, as Vault does; if that
    /// fails nothing is stored.
    static let writeStaticRole: Handler = { ctx in
        let name = try validName(ctx)
        let f = ctx.fields
        try await KeyedLock.shared.withLock(staticLockKey(ctx, name)) {
            if try await role(name, ctx.storage) != nil { throw CofferError.badRequest("Role and Static Role names must be unique") }
            let existing = try await staticRole(name, ctx.storage)
            var role = existing ?? DatabaseStaticRole(name: name)
            if let dbName = f.string("db_name"), f.has("db_name") {
                guard existing == nil || dbName == role.dbName else { throw CofferError.badRequest("cannot update static role db_name") }
                role.dbName = dbName
            }
            guard !role.dbName.isEmpty else { throw CofferError.badRequest("empty database name attribute") }
            if let username = f.string("username"), f.has("username") {
                guard existing == nil || username == role.username else { throw CofferError.badRequest("cannot update static account username") }
                role.username = username
            }
            guard !role.username.isEmpty else { throw CofferError.badRequest("username is a required field to create a static account") }
            guard PostgresQuoting.isSafeName(role.username) else {
                throw CofferError.badRequest("username must be at most 63 bytes, without quotes, backslashes or semicolons")
            }
            if f.has("rotation_period") {
                guard let period = f.seconds("rotation_period"), period >= DatabaseStaticRole.minimumRotationPeriod, period <= 100 * 365 * 86_400 else {
                    throw CofferError.badRequest("rotation_period must be 5 seconds or more")
                }
                role.rotationPeriod = period
            }
            guard role.rotationPeriod >= DatabaseStaticRole.minimumRotationPeriod else {
                throw CofferError.badRequest("rotation_period is required and must be 5 seconds or more")
            }
            if f.has("rotation_statements") {
                role.rotationStatements = try DatabaseStatements.parse(f.value("rotation_statements"), field: "rotation_statements")
            }
            if let type = f.string("credential_type"), f.has("credential_type"), type != "password" {
                throw CofferError.badRequest("credential_type \"\(type)\" is not supported by the PostgreSQL plugin here; use \"password\"")
            }
            guard let config = try await config(role.dbName, ctx.storage) else {
                throw CofferError.badRequest("could not find the connection \"\(role.dbName)\"")
            }
            guard config.allows(name) else { throw CofferError.badRequest("\"\(name)\" is not an allowed role") }
            if existing == nil {
                role = try await rotate(role, config, ctx.storage, now: ctx.now)
            } else {
                try await ctx.storage.putJSON("static-role/" + name, role.stored())
            }
        }
        return nil
    }

    static let deleteStaticRole: Handler = { ctx in
        let name = ctx.fields.string("name") ?? ""
        guard !name.isEmpty, !name.contains("/") else { return nil }
        // Under the role's lock, so a rotation under way cannot write the role back.
        try await KeyedLock.shared.withLock(staticLockKey(ctx, name)) {
            try await ctx.storage.delete("static-role/" + name)
        }
        return nil
    }

    /// `static-creds/<name>`: the current password, rotated first if its period has passed (the
    /// scheduled pass rotates within a second of that; a read in between must not see a stale one).
    static let readStaticCreds: Handler = { ctx in
        let name = ctx.fields.string("name") ?? ""
        let role = try await KeyedLock.shared.withLock(staticLockKey(ctx, name)) { () async throws -> DatabaseStaticRole? in
            guard var role = try await staticRole(name, ctx.storage) else { return nil }
            if role.isDue(at: ctx.now) {
                guard let config = try await config(role.dbName, ctx.storage) else {
                    throw CofferError.badRequest("could not find the connection \"\(role.dbName)\"")
                }
                role = try await rotate(role, config, ctx.storage, now: ctx.now)
            }
            return role
        }
        guard let role else { return nil }
        return LogicalResponse(data: [
            "username": .string(role.username), "password": .string(role.password),
            "last_vault_rotation": .string(Timestamp.rfc3339(role.lastRotation)), "rotation_period": .int(role.rotationPeriod),
            "ttl": .int(role.ttl(at: ctx.now)),
        ])
    }

    static let rotateStaticRole: Handler = { ctx in
        let name = ctx.fields.string("name") ?? ""
        try await KeyedLock.shared.withLock(staticLockKey(ctx, name)) {
            guard let role = try await staticRole(name, ctx.storage) else { throw CofferError.badRequest("unable to find static role \"\(name)\"") }
            guard let config = try await config(role.dbName, ctx.storage) else {
                throw CofferError.badRequest("could not find the connection \"\(role.dbName)\"")
            }
            _ = try await rotate(role, config, ctx.storage, now: ctx.now)
        }
        return nil
    }

    /// Sets a new password in the database, then stores it with the rotation time.
    static func rotate(_ role: DatabaseStaticRole, _ config: DatabaseConnectionConfig, _ storage: StorageView, now: Double) async throws -> DatabaseStaticRole {
        var role = role
        let password = PasswordGenerator.generate()
        let statements =
            role.rotationStatements.isEmpty
            ? ["ALTER ROLE \(PostgresQuoting.identifier(role.username)) WITH PASSWORD \(PostgresQuoting.literal(password))"]
            : DatabaseStatements.commands(role.rotationStatements, ["name": role.username, "username": role.username, "password": password])
        let runner = try await runner(config, storage, secrets: [password])
        do {
            try await runner.transaction(statements)
        } catch {
            throw CofferError(.internalError, "failed to rotate the static role's password: \(runner.describe(error))")
        }
        role.password = password
        role.lastRotation = now
        try await storage.putJSON("static-role/" + role.name, role.stored())
        return role
    }
}
