@testable import CofferServer
import CofferStorage
import Testing

@Suite("storage \"postgresql\" configuration")
struct PostgresConfigTests {
    static func parse(_ storage: String) throws(ConfigError) -> ServerConfig {
        try ServerConfig.parse(
            storage + "\nlistener \"tcp\" {\n address = \"127.0.0.1:8200\"\n tls_disable = true\n}\n", file: "pg.hcl", json: false
        )
    }

    static func failure(_ storage: String) -> String {
        do {
            _ = try parse(storage)
            return ""
        } catch {
            return error.description
        }
    }

    @Test("Vault's options, with ha_enabled as the string Vault documents")
    func options() throws {
        let config = try Self.parse(
            """
            storage "postgresql" {
              connection_url    = "postgres://vault:s3cret@db.example:6543/secrets?sslmode=require"
              table             = "coffer.kv_store"
              ha_enabled        = "true"
              ha_table          = "coffer_locks"
              max_parallel      = "16"
              skip_create_table = "true"
              max_idle_connections = 4
            }
            """)
        guard case .postgresql(let settings) = config.storage else {
            Issue.record("not postgresql: \(config.storage)")
            return
        }
        #expect(settings.host == "db.example" && settings.port == 6543 && settings.database == "secrets")
        #expect(settings.user == "vault" && settings.password == "s3cret" && settings.sslMode == "require")
        #expect(settings.table == "coffer.kv_store" && settings.haTable == "coffer_locks")
        #expect(settings.haEnabled && settings.skipCreateTable && settings.maxParallel == 16)
    }

    @Test("defaults: Vault's table names, no HA, tables created")
    func defaults() throws {
        let config = try Self.parse("storage \"postgresql\" { connection_url = \"host=/run/postgresql user=coffer dbname=coffer\" }")
        guard case .postgresql(let settings) = config.storage else {
            Issue.record("not postgresql")
            return
        }
        #expect(settings.table == "vault_kv_store" && settings.haTable == "vault_ha_locks")
        #expect(!settings.haEnabled && !settings.skipCreateTable && settings.maxParallel == 128)
        #expect(settings.host == "/run/postgresql" && settings.user == "coffer" && settings.database == "coffer")
    }

    @Test("bad options fail with their location, and never repeat the password")
    func errors() {
        #expect(Self.failure("storage \"postgresql\" {}").contains("needs a connection_url"))
        #expect(Self.failure("storage \"postgresql\" { connection_url = \"mysql://x\" }").contains("invalid connection_url"))
        let badPort = Self.failure("storage \"postgresql\" { connection_url = \"postgres://u:hunter2@h:99999/d\" }")
        #expect(badPort.contains("invalid port") && !badPort.contains("hunter2"))
        #expect(Self.failure("storage \"postgresql\" {\n connection_url = \"postgres://u@h/d\"\n table = \"kv; DROP TABLE x\"\n}").contains("invalid table"))
        #expect(Self.failure("storage \"postgresql\" {\n connection_url = \"postgres://u@h/d\"\n ha_table = \"1abc\"\n}").contains("invalid ha_table"))
        #expect(Self.failure("storage \"postgresql\" {\n connection_url = \"postgres://u@h/d\"\n ha_enabled = \"maybe\"\n}").contains("pg.hcl:3"))
        #expect(Self.failure("storage \"postgresql\" {\n connection_url = \"postgres://u@h/d\"\n max_parallel = 0\n}").contains("max_parallel"))
        #expect(Self.failure("storage \"postgresql\" {\n connection_url = \"postgres://u@h/d\"\n max_parallel = 1e300\n}").contains("max_parallel"))
        #expect(Self.failure("storage \"postgresql\" {\n connection_url = \"postgres://u@h/d\"\n colour = \"blue\"\n}").contains("unknown postgresql storage option"))
    }

    @Test("table names: identifiers and schema.identifier only")
    func tableNames() {
        for good in ["vault_kv_store", "coffer.kv", "_t$1", String(repeating: "a", count: 63)] {
            #expect(PostgresStorageSettings.isValidTableName(good), "\(good)")
        }
        for bad in ["", "a.b.c", "1t", "t-x", "t\"", ".t", "t.", String(repeating: "a", count: 64), "tä"] {
            #expect(!PostgresStorageSettings.isValidTableName(bad), "\(bad)")
        }
    }

    @Test("the advertised address: api_addr, else the listener with a wildcard made loopback")
    func advertised() throws {
        var config = try Self.parse("storage \"inmem\" {}")
        #expect(config.advertisedAddress == "http://127.0.0.1:8200")
        config.listeners[0].address = "0.0.0.0:8300"
        #expect(config.advertisedAddress == "http://127.0.0.1:8300")
        config.apiAddr = "https://node1.example:8200"
        #expect(config.advertisedAddress == "https://node1.example:8200")
    }
}
