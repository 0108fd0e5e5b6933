import CofferSDK

extension DatabaseBackend {
    static let configFields: [String: FieldSpec] = [
        "name": FieldSpec(.string),
        "plugin_name": FieldSpec(.string, description: "Must be postgresql-database-plugin"),
        "plugin_version": FieldSpec(.string),
        "verify_connection": FieldSpec(.bool, default: true, description: "Connect once before saving"),
        "allowed_roles": FieldSpec(.commaStringList, description: "Role names (globs) that may use this connection"),
        "root_rotation_statements": FieldSpec(.any, description: "SQL that sets {{username}}'s password to {{password}}"),
        "password_policy": FieldSpec(.string),
        "connection_url": FieldSpec(.string, description: "libpq URL with {{username}} and {{password}}"),
        "username": FieldSpec(.string),
        "password": FieldSpec(.string),
        "max_open_connections": FieldSpec(.int),
        "max_idle_connections": FieldSpec(.int),
        "max_connection_lifetime": FieldSpec(.duration),
        "username_template": FieldSpec(.string),
        "disable_escaping": FieldSpec(.bool),
        "password_authentication": FieldSpec(.string),
    ]

    static let readConfig: Handler = { ctx in
        guard let config = try await config(ctx.fields.string("name") ?? "", ctx.storage) else { return nil }
        return LogicalResponse(data: config.readData())
    }

    static let writeConfig: Handler = { ctx in
        let name = try validName(ctx)
        let f = ctx.fields
        try await KeyedLock.shared.withLock(ctx.storage.prefix + "config/" + name) {
            var config = try await config(name, ctx.storage) ?? DatabaseConnectionConfig(name: name)
            if let plugin = f.string("plugin_name"), f.has("plugin_name") { config.pluginName = plugin }
            guard !config.pluginName.isEmpty else { throw CofferError.badRequest("plugin_name must be provided") }
            guard config.pluginName == DatabaseConnectionConfig.postgresPlugin else {
                throw CofferError.badRequest("unsupported plugin_name \"\(config.pluginName)\": only \(DatabaseConnectionConfig.postgresPlugin) is available")
            }
            if f.has("plugin_version") { config.pluginVersion = f.string("plugin_version") ?? "" }
            // Per request, as Vault reads it: an update that leaves it out verifies again.
            config.verifyConnection = f.bool("verify_connection") ?? true
            if f.has("allowed_roles") { config.allowedRoles = f.strings("allowed_roles") ?? [] }
            if f.has("root_rotation_statements") {
                config.rootRotationStatements = try DatabaseStatements.parse(f.value("root_rotation_statements"), field: "root_rotation_statements")
            }
            if f.has("password_policy") { config.passwordPolicy = f.string("password_policy") ?? "" }
            guard config.passwordPolicy.isEmpty else {
                throw CofferError.badRequest("password_policy is not supported: coffer has no password policies; leave it empty for Vault's default rules")
            }
            if f.has("connection_url") { config.connectionURL = f.string("connection_url") ?? "" }
            if f.has("username") { config.username = f.string("username") ?? "" }
            if f.has("password") { config.password = f.string("password") ?? "" }
            if f.has("max_open_connections") {
                guard let n = f.int("max_open_connections"), (0...1000).contains(n) else {
                    throw CofferError.badRequest("max_open_connections must be between 0 and 1000")
                }
                config.maxOpenConnections = n == 0 ? DatabaseConnectionConfig.defaultMaxOpenConnections : n
            }
            if f.has("max_idle_connections") {
                guard let n = f.int("max_idle_connections"), (0...1000).contains(n) else {
                    throw CofferError.badRequest("max_idle_connections must be between 0 and 1000")
                }
                config.maxIdleConnections = n
            }
            if f.has("max_connection_lifetime") {
                guard let n = f.seconds("max_connection_lifetime"), n >= 0, n <= 10 * 365 * 86_400 else {
                    throw CofferError.badRequest("max_connection_lifetime is out of range")
                }
                config.maxConnectionLifetime = n
            }
            if f.has("username_template") { config.usernameTemplate = f.string("username_template") ?? "" }
            if f.has("disable_escaping") { config.disableEscaping = f.bool("disable_escaping") ?? false }
            if f.has("password_authentication") {
                let mode = f.string("password_authentication") ?? "password"
                guard mode == "password" || mode == "scram-sha-256" else {
                    throw CofferError.badRequest("password_authentication must be \"password\" or \"scram-sha-256\"")
                }
                config.passwordAuthentication = mode
            }
            guard !config.connectionURL.isEmpty else { throw CofferError.badRequest("connection_url cannot be empty") }
            let settings = try config.settings()
            // A template that cannot render is refused now, not at the first creds read.
            let sample = try config.template().render(UsernameTemplate.Inputs(displayName: "token", roleName: "role", now: ctx.now))
            guard PostgresQuoting.isSafeName(sample) else {
                throw CofferError.badRequest("username_template renders names PostgreSQL cannot take safely (empty, over 63 bytes, or with quotes, backslashes or semicolons)")
            }
            if config.verifyConnection {
                do {
                    try await withTimeLimit(.seconds(10)) { try await PostgresPools.verify(settings, logger: silent) }
                } catch {
                    let reason = PostgresRunner.describe(error, secrets: [config.password])
                    throw CofferError.badRequest("error creating database object: error verifying connection: \(reason)")
                }
            }
            try await ctx.storage.putJSON("config/" + name, config.stored())
            await PostgresPools.shared.close(poolKey(ctx.storage, name))
        }
        return nil
    }

    static let deleteConfig: Handler = { ctx in
        let name = ctx.fields.string("name") ?? ""
        guard !name.isEmpty, !name.contains("/") else { return nil }
        try await ctx.storage.delete("config/" + name)
        await PostgresPools.shared.close(poolKey(ctx.storage, name))
        return nil
    }

    static let resetConfig: Handler = { ctx in
        let name = ctx.fields.string("name") ?? ""
        guard try await config(name, ctx.storage) != nil else { throw CofferError.badRequest("unable to find config: \(name)") }
        await PostgresPools.shared.close(poolKey(ctx.storage, name))
        return nil
    }

    /// `rotate-root`: a new password for the connection's own user, set in the database first
    /// and then stored, so the old one stops working.
    static let rotateRoot: Handler = { ctx in
        let name = ctx.fields.string("name") ?? ""
        try await KeyedLock.shared.withLock(ctx.storage.prefix + "config/" + name) {
            guard var config = try await config(name, ctx.storage) else { throw CofferError.badRequest("unable to find config: \(name)") }
            guard !config.username.isEmpty else {
                throw CofferError.badRequest("unable to rotate root credentials: no username in configuration")
            }
            if !config.rootRotationStatements.isEmpty, !PostgresQuoting.isSafeName(config.username) {
                // The user's own statements take the name raw; only a name without quotes is safe there.
                throw CofferError.badRequest("unable to rotate root credentials: the username cannot be used in root_rotation_statements")
            }
            let password = PasswordGenerator.generate()
            let statements =
                config.rootRotationStatements.isEmpty
                ? ["ALTER ROLE \(PostgresQuoting.identifier(config.username)) WITH PASSWORD \(PostgresQuoting.literal(password))"]
                : DatabaseStatements.commands(
                    config.rootRotationStatements, ["username": config.username, "name": config.username, "password": password])
            let runner = try await runner(config, ctx.storage, secrets: [password])
            do {
                try await runner.transaction(statements)
            } catch {
                throw CofferError(.internalError, "failed to rotate root credentials: \(runner.describe(error))")
            }
            config.password = password
            try await ctx.storage.putJSON("config/" + name, config.stored())
            await PostgresPools.shared.close(poolKey(ctx.storage, name))
        }
        return nil
    }
}

/// Runs `body`, or throws a 500 when it takes longer than `limit`.
func withTimeLimit<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw CofferError(.internalError, "timed out after \(limit.components.seconds)s waiting for the database")
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
