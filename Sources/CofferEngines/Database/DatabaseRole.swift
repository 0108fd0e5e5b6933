import CofferSDK

/// A dynamic role (`roles/<name>`): which connection, what SQL makes and unmakes a user, and
/// how long its lease lives.
struct DatabaseRole: Sendable {
    var name: String
    var dbName = ""
    var defaultTTL: Int64 = 0
    var maxTTL: Int64 = 0
    var creationStatements: [String] = []
    var revocationStatements: [String] = []
    var rollbackStatements: [String] = []
    var renewStatements: [String] = []

    init(name: String) { self.name = name }

    /// What a read shows, in Vault's shape.
    func readData() -> JSONObject {
        [
            "db_name": .string(dbName), "default_ttl": .int(defaultTTL), "max_ttl": .int(maxTTL),
            "creation_statements": .strings(creationStatements), "revocation_statements": .strings(revocationStatements),
            "rollback_statements": .strings(rollbackStatements), "renew_statements": .strings(renewStatements),
            "credential_type": "password", "credential_config": .object([:]),
        ]
    }

    func stored() -> JSONValue {
        [
            "name": .string(name), "db_name": .string(dbName), "default_ttl": .int(defaultTTL), "max_ttl": .int(maxTTL),
            "creation_statements": .strings(creationStatements), "revocation_statements": .strings(revocationStatements),
            "rollback_statements": .strings(rollbackStatements), "renew_statements": .strings(renewStatements),
        ]
    }

    init?(json: JSONValue) {
        guard let o = json.objectValue, let name = o["name"]?.stringValue else { return nil }
        func list(_ key: String) -> [String] { o[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        self.name = name
        dbName = o["db_name"]?.stringValue ?? ""
        defaultTTL = o["default_ttl"]?.intValue ?? 0
        maxTTL = o["max_ttl"]?.intValue ?? 0
        creationStatements = list("creation_statements")
        revocationStatements = list("revocation_statements")
        rollbackStatements = list("rollback_statements")
        renewStatements = list("renew_statements")
    }
}

/// A static role (`static-roles/<name>`): an existing database user whose password coffer owns,
/// with the current password and when it was set.
struct DatabaseStaticRole: Sendable {
    /// Vault's lower bound on `rotation_period`.
    static let minimumRotationPeriod: Int64 = 5

    var name: String
    var dbName = ""
    var username = ""
    var rotationPeriod: Int64 = 0
    var rotationStatements: [String] = []
    var password = ""
    var lastRotation: Double = 0

    init(name: String) { self.name = name }

    /// True when the password is older than its rotation period.
    func isDue(at now: Double) -> Bool { now >= lastRotation + Double(rotationPeriod) }

    /// Seconds until the next rotation.
    func ttl(at now: Double) -> Int64 {
        let remaining = (lastRotation + Double(rotationPeriod) - now).rounded(.down)
        return remaining > 0 ? Int64(min(remaining, Double(rotationPeriod))) : 0
    }

    /// What a read of the role shows.
    func readData() -> JSONObject {
        [
            "db_name": .string(dbName), "username": .string(username), "rotation_period": .int(rotationPeriod),
            "rotation_statements": .strings(rotationStatements), "last_vault_rotation": .string(Timestamp.rfc3339(lastRotation)),
            "credential_type": "password", "credential_config": .object([:]),
        ]
    }

    func stored() -> JSONValue {
        [
            "name": .string(name), "db_name": .string(dbName), "username": .string(username), "rotation_period": .int(rotationPeriod),
            "rotation_statements": .strings(rotationStatements), "password": .string(password), "last_rotation": .double(lastRotation),
        ]
    }

    init?(json: JSONValue) {
        guard let o = json.objectValue, let name = o["name"]?.stringValue else { return nil }
        self.name = name
        dbName = o["db_name"]?.stringValue ?? ""
        username = o["username"]?.stringValue ?? ""
        rotationPeriod = o["rotation_period"]?.intValue ?? 0
        rotationStatements = o["rotation_statements"]?.arrayValue?.compactMap(\.stringValue) ?? []
        password = o["password"]?.stringValue ?? ""
        lastRotation = o["last_rotation"]?.doubleValue ?? 0
    }
}
