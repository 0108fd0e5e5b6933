import CofferSDK

/// A configured database connection (`config/<name>`), as stored. The password is kept (sealed
/// by the barrier) but never shown.
struct DatabaseConnectionConfig: Sendable {
    /// The only plugin coffer implements.
    static let postgresPlugin = "postgresql-database-plugin"
    /// Vault's default pool size for the PostgreSQL plugin.
    static let defaultMaxOpenConnections: Int64 = 4

    var name: String
    var pluginName = ""
    var pluginVersion = ""
    var connectionURL = ""
    var username = ""
    var password = ""
    var allowedRoles: [String] = []
    var verifyConnection = true
    var maxOpenConnections: Int64 = defaultMaxOpenConnections
    var maxIdleConnections: Int64 = 0
    var maxConnectionLifetime: Int64 = 0
    var usernameTemplate = ""
    var passwordPolicy = ""
    var passwordAuthentication = "password"
    var disableEscaping = false
    var rootRotationStatements: [String] = []

    init(name: String) { self.name = name }

    /// True when `role` may use this connection: `allowed_roles` globs, `*` for any.
    func allows(_ role: String) -> Bool {
        allowedRoles.contains { Glob.matches($0, role) }
    }

    /// The pool settings, with the URL's placeholders filled in.
    func settings() throws(CofferError) -> PostgresSettings {
        PostgresSettings(
            url: try PostgresConnectionURL(template: connectionURL, username: username, password: password),
            maxOpenConnections: Int(maxOpenConnections), maxConnectionLifetime: maxConnectionLifetime
        )
    }

    /// The username template in force.
    func template() throws(CofferError) -> UsernameTemplate {
        try UsernameTemplate(usernameTemplate.isEmpty ? UsernameTemplate.postgresDefault : usernameTemplate)
    }

    /// What a read shows, in Vault's shape: the password never.
    func readData() -> JSONObject {
        var details: JSONObject = [
            "connection_url": .string(PostgresConnectionURL.redacted(connectionURL)),
            "username": .string(username),
            "max_open_connections": .int(maxOpenConnections),
            "max_idle_connections": .int(maxIdleConnections),
            "max_connection_lifetime": .string("\(maxConnectionLifetime)s"),
            "password_authentication": .string(passwordAuthentication),
        ]
        if !usernameTemplate.isEmpty { details["username_template"] = .string(usernameTemplate) }
        if disableEscaping { details["disable_escaping"] = .bool(true) }
        return [
            "plugin_name": .string(pluginName),
            "plugin_version": .string(pluginVersion),
            "connection_details": .object(details),
            "allowed_roles": .strings(allowedRoles),
            "root_credentials_rotate_statements": .strings(rootRotationStatements),
            "password_policy": .string(passwordPolicy),
            "verify_connection": .bool(verifyConnection),
        ]
    }

    func stored() -> JSONValue {
        [
            "name": .string(name), "plugin_name": .string(pluginName), "plugin_version": .string(pluginVersion),
            "connection_url": .string(connectionURL), "username": .string(username), "password": .string(password),
            "allowed_roles": .strings(allowedRoles), "verify_connection": .bool(verifyConnection),
            "max_open_connections": .int(maxOpenConnections), "max_idle_connections": .int(maxIdleConnections),
            "max_connection_lifetime": .int(maxConnectionLifetime), "username_template": .string(usernameTemplate),
            "password_policy": .string(passwordPolicy), "password_authentication": .string(passwordAuthentication),
            "disable_escaping": .bool(disableEscaping), "root_rotation_statements": .strings(rootRotationStatements),
        ]
    }

    init?(json: JSONValue) {
        guard let o = json.objectValue, let name = o["name"]?.stringValue else { return nil }
        self.name = name
        pluginName = o["plugin_name"]?.stringValue ?? ""
        pluginVersion = o["plugin_version"]?.stringValue ?? ""
        connectionURL = o["connection_url"]?.stringValue ?? ""
        username = o["username"]?.stringValue ?? ""
        password = o["password"]?.stringValue ?? ""
        allowedRoles = o["allowed_roles"]?.arrayValue?.compactMap(\.stringValue) ?? []
        verifyConnection = o["verify_connection"]?.boolValue ?? true
        maxOpenConnections = o["max_open_connections"]?.intValue ?? Self.defaultMaxOpenConnections
        maxIdleConnections = o["max_idle_connections"]?.intValue ?? 0
        maxConnectionLifetime = o["max_connection_lifetime"]?.intValue ?? 0
        usernameTemplate = o["username_template"]?.stringValue ?? ""
        passwordPolicy = o["password_policy"]?.stringValue ?? ""
        passwordAuthentication = o["password_authentication"]?.stringValue ?? "password"
        disableEscaping = o["disable_escaping"]?.boolValue ?? false
        rootRotationStatements = o["root_rotation_statements"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}
