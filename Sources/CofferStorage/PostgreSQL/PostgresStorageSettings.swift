import CofferSDK

/// What `storage "postgresql"` is configured with: where the database is and which tables hold
/// the entries and the HA lock (Vault's `vault_kv_store` and `vault_ha_locks` by default).
public struct PostgresStorageSettings: Sendable, Equatable {
    /// Host name, address, or a socket directory (starting with `/`).
    public var host: String
    /// TCP port.
    public var port: Int
    /// Login user.
    public var user: String
    /// Login password; never logged.
    public var password: String
    /// Database name.
    public var database: String
    /// libpq's `sslmode`: disable, allow, prefer, require, verify-ca, verify-full.
    public var sslMode: String
    /// The entries table (Vault: `table`).
    public var table = "vault_kv_store"
    /// The lock table (Vault: `ha_table`).
    public var haTable = "vault_ha_locks"
    /// Whether nodes sharing the database elect one active node (Vault: `ha_enabled`).
    public var haEnabled = false
    /// The most connections the pool opens (Vault: `max_parallel`, 128).
    public var maxParallel = 128
    /// True when the operator created the tables and coffer must not (Vault: `skip_create_table`).
    public var skipCreateTable = false

    /// Creates settings for one database.
    public init(host: String, port: Int, user: String, password: String, database: String, sslMode: String) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.sslMode = sslMode
    }

    /// The most `max_parallel` may be: PostgreSQL's own connection limit is far below it.
    public static let maxParallelLimit = 10_000

    /// True for a table name PostgreSQL takes without quoting surprises: an identifier, or
    /// `schema.identifier`, of letters, digits, `_` and `$`, at most 63 bytes each.
    public static func isValidTableName(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count) else { return false }
        return parts.allSatisfy { part in
            guard let first = part.utf8.first, part.utf8.count <= 63 else { return false }
            let isLetter = { (b: UInt8) in (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F }
            return isLetter(first) && part.utf8.allSatisfy { isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x24 }
        }
    }

    /// The name quoted for SQL text; only valid names (`isValidTableName`) reach here.
    static func quoted(_ name: String) -> String {
        name.split(separator: ".").map { "\"\($0)\"" }.joined(separator: ".")
    }

    /// The name with its schema dropped, for naming indexes after their table.
    static func bareName(_ name: String) -> String {
        String(name.split(separator: ".").last ?? Substring(name))
    }
}
