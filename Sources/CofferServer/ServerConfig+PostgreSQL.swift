import CofferEngines
import CofferHCL
import CofferSDK
import CofferStorage

/// `storage "postgresql"` with Vault's options: `connection_url`, `table`, `ha_enabled`,
/// `ha_table`, `max_parallel`, `skip_create_table` (and `max_idle_connections`, accepted).
extension ConfigDecoder {
    func postgresql(_ body: HCLBody, at: HCLItem) throws(ConfigError) -> PostgresStorageSettings {
        var url: String?
        var table: String?, haTable: String?
        var haEnabled = false, skipCreate = false
        var maxParallel = 128
        for field in body.items {
            switch field.key {
            case "connection_url": url = try string(field)
            case "table": table = try string(field)
            case "ha_table": haTable = try string(field)
            case "ha_enabled": haEnabled = try flag(field)
            case "skip_create_table": skipCreate = try flag(field)
            case "max_parallel": maxParallel = try count(field, 1...PostgresStorageSettings.maxParallelLimit)
            case "max_idle_connections": _ = try count(field, 0...PostgresStorageSettings.maxParallelLimit)
            default: throw fail(field, "unknown postgresql storage option \"\(field.key)\"")
            }
        }
        guard let url, !url.isEmpty else { throw fail(at, "storage \"postgresql\" needs a connection_url") }
        let parsed: PostgresConnectionURL
        do {
            parsed = try PostgresConnectionURL(template: url, username: "", password: "")
        } catch {
            // The message never repeats the URL: it may hold a password.
            throw fail(at, "invalid connection_url: \(error.messages.joined(separator: "; "))")
        }
        var settings = PostgresStorageSettings(
            host: parsed.host, port: parsed.port, user: parsed.user, password: parsed.password, database: parsed.database, sslMode: parsed.sslMode
        )
        for (name, value) in [("table", table), ("ha_table", haTable)] {
            if let value, !PostgresStorageSettings.isValidTableName(value) {
                throw fail(at, "invalid \(name) \"\(value)\": use letters, digits and _ (optionally schema.table)")
            }
        }
        if let table { settings.table = table }
        if let haTable { settings.haTable = haTable }
        settings.haEnabled = haEnabled
        settings.skipCreateTable = skipCreate
        settings.maxParallel = maxParallel
        return settings
    }

    /// Vault reads these as strings ("true"); a boolean works too.
    private func flag(_ item: HCLItem) throws(ConfigError) -> Bool {
        switch item.value {
        case .bool(let b): return b
        case .string(let s) where ["true", "1"].contains(s.lowercased()): return true
        case .string(let s) where ["false", "0"].contains(s.lowercased()): return false
        default: throw fail(item, "\"\(item.key)\" must be \"true\" or \"false\"")
        }
    }

    private func count(_ item: HCLItem, _ range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let value: Double?
        switch item.value {
        case .number(let n): value = n
        case .string(let s): value = Double(s)
        default: value = nil
        }
        guard let value, value.rounded() == value, value >= Double(range.lowerBound), value <= Double(range.upperBound) else {
            throw fail(item, "\"\(item.key)\" must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return Int(value)
    }
}
