import CofferSDK
import PostgresNIO

extension DatabaseBackend {
    /// The lifetime a user's `VALID UNTIL` gets when neither the role nor the request says
    /// (Vault's system default lease TTL); revocation removes the user long before.
    static let fallbackTTL: Int64 = 768 * 3600

    /// `creds/<role>`: a new PostgreSQL user per read. The creation statements run in one
    /// transaction, so a failure midway leaves nothing behind; the role's rollback statements
    /// run after such a failure for anything outside the transaction's reach.
    static let issueCreds: Handler = { ctx in
        let roleName = ctx.fields.string("name") ?? ""
        guard let role = try await role(roleName, ctx.storage) else { throw CofferError.badRequest("unknown role: \(roleName)") }
        guard let config = try await config(role.dbName, ctx.storage) else {
            throw CofferError.badRequest("could not find the connection \"\(role.dbName)\" of role \"\(roleName)\"")
        }
        guard config.allows(roleName) else { throw CofferError.badRequest("\"\(roleName)\" is not an allowed role") }
        let username = try config.template().render(
            UsernameTemplate.Inputs(displayName: ctx.request.token?.displayName ?? "", roleName: roleName, now: ctx.now))
        guard PostgresQuoting.isSafeName(username) else {
            throw CofferError.badRequest("username_template rendered a name PostgreSQL cannot take safely (empty, over 63 bytes, or with quotes, backslashes or semicolons)")
        }
        let password = PasswordGenerator.generate()
        var lifetime = role.defaultTTL > 0 ? role.defaultTTL : fallbackTTL
        if role.maxTTL > 0 { lifetime = min(lifetime, role.maxTTL) }
        let values = [
            "name": username, "username": username, "password": password,
            "expiration": DatabaseStatements.expiration(ctx.now + Double(lifetime)),
        ]
        let runner = try await runner(config, ctx.storage, secrets: [password])
        do {
            try await runner.transaction(DatabaseStatements.commands(role.creationStatements, values))
        } catch {
            await runner.bestEffort(DatabaseStatements.commands(role.rollbackStatements, values))
            throw CofferError(.internalError, "failed to create the database user: \(runner.describe(error))")
        }
        let internalData: JSONObject = [
            "username": .string(username), "role": .string(roleName), "db_name": .string(role.dbName),
            "revocation_statements": .strings(role.revocationStatements),
        ]
        return LogicalResponse(
            data: ["username": .string(username), "password": .string(password)],
            secret: LeaseOptions(ttl: role.defaultTTL, renewable: true, maxTTL: role.maxTTL, internalData: internalData)
        )
    }

    /// Revokes a credential: the role's revocation statements, or by default end the user's
    /// sessions, hand what it owns to the connection's user, drop its privileges and drop it.
    /// Throws while the database refuses, so the expiration manager keeps retrying.
    static func revokeCreds(_ lease: LeaseContext) async throws {
        guard let username = lease.internalData["username"]?.stringValue, PostgresQuoting.isSafeName(username) else { return }
        let roleName = lease.internalData["role"]?.stringValue ?? ""
        let role = try await role(roleName, lease.storage)
        let dbName = role?.dbName ?? lease.internalData["db_name"]?.stringValue ?? ""
        guard let config = try await config(dbName, lease.storage) else {
            throw CofferError(.internalError, "cannot revoke: the connection \"\(dbName)\" no longer exists")
        }
        let statements = role?.revocationStatements ?? lease.internalData["revocation_statements"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let runner = try await runner(config, lease.storage)
        do {
            if statements.isEmpty {
                try await defaultRevoke(username, runner)
            } else {
                try await runner.transaction(DatabaseStatements.commands(statements, ["name": username, "username": username]))
            }
        } catch {
            throw CofferError(.internalError, "failed to revoke the database user: \(runner.describe(error))")
        }
    }

    static func defaultRevoke(_ username: String, _ runner: PostgresRunner) async throws {
        let existing = try await runner.strings("SELECT rolname::text FROM pg_roles WHERE rolname = \(username)")
        guard !existing.isEmpty else { return }
        // Open sessions would outlive the role; end them (needs pg_signal_backend; best effort).
        try? await runner.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = \(username)")
        let quoted = PostgresQuoting.identifier(username)
        try await runner.transaction([
            "REASSIGN OWNED BY \(quoted) TO CURRENT_USER",
            "DROP OWNED BY \(quoted)",
            "DROP ROLE IF EXISTS \(quoted)",
        ])
    }

    /// Renews a credential: runs the renew statements (by default `VALID UNTIL` the new
    /// expiry), capped by the role's `max_ttl`.
    static func renewCreds(_ lease: LeaseContext) async throws -> LeaseOptions {
        guard let username = lease.internalData["username"]?.stringValue, PostgresQuoting.isSafeName(username) else {
            throw CofferError.badRequest("lease is not renewable")
        }
        let roleName = lease.internalData["role"]?.stringValue ?? ""
        guard let role = try await role(roleName, lease.storage) else { throw CofferError.badRequest("could not find role \"\(roleName)\"") }
        guard let config = try await config(role.dbName, lease.storage) else {
            throw CofferError.badRequest("could not find the connection \"\(role.dbName)\"")
        }
        var ttl = lease.increment > 0 ? lease.increment : role.defaultTTL
        var lifetime = ttl > 0 ? ttl : fallbackTTL
        if role.maxTTL > 0 {
            let remaining = max(0, Int64((lease.issueTime + Double(role.maxTTL) - lease.now).rounded(.down)))
            guard remaining > 0 else { throw CofferError.badRequest("lease has reached its maximum lifetime and cannot be renewed") }
            lifetime = min(lifetime, remaining)
            if ttl > 0 { ttl = min(ttl, remaining) }
        }
        let expiration = DatabaseStatements.expiration(lease.now + Double(lifetime))
        let statements =
            role.renewStatements.isEmpty
            ? ["ALTER ROLE \(PostgresQuoting.identifier(username)) VALID UNTIL \(PostgresQuoting.literal(expiration))"]
            : DatabaseStatements.commands(role.renewStatements, ["name": username, "username": username, "expiration": expiration])
        let runner = try await runner(config, lease.storage)
        do {
            try await runner.transaction(statements)
        } catch {
            throw CofferError(.internalError, "failed to renew the database user: \(runner.describe(error))")
        }
        return LeaseOptions(ttl: ttl, renewable: true, maxTTL: role.maxTTL)
    }
}
