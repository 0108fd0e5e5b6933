import CofferSDK
import CofferTesting
import Foundation
import Testing

@Suite("storage \"postgresql\" on a real PostgreSQL", .enabled(if: TestPostgres.available, "no COFFER_TEST_POSTGRES_URL; run scripts/test"))
struct PostgresStorageTests {
    @Test("KV put, get, list and delete; the table holds only ciphertext; a restart keeps the data")
    func singleNode() async throws {
        let nodes = try PostgresNodes("single")
        defer { nodes.cleanUp() }
        let (config, _) = try nodes.config(1, ha: false)
        var server = try await ServerProcess.start(configPath: config)
        let (key, token) = try await SQLiteTestServer.initialise(server)
        var root = VaultHTTP(address: server.address, token: token)
        let status = try await VaultHTTP(address: server.address).read("sys/seal-status")
        #expect(status.json?.objectValue?["storage_type"] == "postgresql" && status.json?.objectValue?["sealed"] == false)
        #expect(try await root.write("sys/mounts/kv", ["type": "kv"]).status == 204)
        let marker = "plain-\(SecureRandomSuffix.make())"
        #expect(try await root.write("kv/app/db", ["password": .string(marker)]).status == 204)
        #expect(try await root.write("kv/app/cache", ["password": "other"]).status == 204)
        #expect(try await root.write("kv/app/nested/deep", ["x": "1"]).status == 204)
        #expect(try await root.read("kv/app/db").data?["password"] == .string(marker))
        #expect(try await root.list("kv/app").data?["keys"] == ["cache", "db", "nested/"])
        #expect(try await root.delete("kv/app/cache").status == 204)
        #expect(try await root.read("kv/app/cache").status == 404)
        #expect(try await root.list("kv/app").data?["keys"] == ["db", "nested/"])

        // Vault's layout: the secret sits under /logical/<mount uuid>/app/ as key "db", sealed.
        let rows = try nodes.pg.value("SELECT count(*) FROM \(nodes.table) WHERE key = 'db' AND path LIKE '/logical/%/app/' AND parent_path LIKE '/logical/%/'")
        #expect(rows == "1")
        let plaintext = try nodes.pg.value("SELECT count(*) FROM \(nodes.table) WHERE position(convert_to('\(marker)', 'UTF8') in value) > 0")
        #expect(plaintext == "0")
        #expect(Int(try nodes.pg.value("SELECT count(*) FROM \(nodes.table)")) ?? 0 > 5)

        try await server.stop()
        server = try await ServerProcess.start(configPath: config)
        #expect(try await VaultHTTP(address: server.address).read("sys/seal-status").json?.objectValue?["sealed"] == true)
        try await SQLiteTestServer.unseal(server, key: key)
        root = VaultHTTP(address: server.address, token: token)
        #expect(try await root.read("kv/app/db").data?["password"] == .string(marker))
        #expect(try await root.read("kv/app/nested/deep").data?["x"] == "1")
        #expect(try await root.read("kv/app/cache").status == 404)
        try await server.stop()
    }

    @Test("skip_create_table: refuses to start without the table, and runs on tables an operator made by hand")
    func skipCreateTable() async throws {
        let nodes = try PostgresNodes("skip")
        defer { nodes.cleanUp() }
        let (config, _) = try nodes.config(1, ha: false, extra: "skip_create_table = \"true\"")
        await #expect(throws: ServerProcess.Failure.self) { _ = try await ServerProcess.start(configPath: config) }
        #expect(try nodes.pg.value("SELECT count(*) FROM pg_tables WHERE tablename = '\(nodes.table)'") == "0")

        // The documented schema, as an operator would type it.
        _ = try nodes.pg.value(
            """
            CREATE TABLE \(nodes.table) (
              parent_path TEXT COLLATE "C" NOT NULL,
              path        TEXT COLLATE "C",
              key         TEXT COLLATE "C",
              value       BYTEA,
              CONSTRAINT \(nodes.table)_pkey PRIMARY KEY (path, key)
            );
            CREATE INDEX \(nodes.table)_parent_idx ON \(nodes.table) (parent_path);
            """)
        // A fresh port: the first one was free when picked, but tests running beside this one
        // may have taken it since.
        let (again, _) = try nodes.config(1, ha: false, extra: "skip_create_table = \"true\"")
        let server = try await ServerProcess.start(configPath: again)
        let (_, token) = try await SQLiteTestServer.initialise(server)
        let root = VaultHTTP(address: server.address, token: token)
        #expect(try await root.write("sys/mounts/kv", ["type": "kv"]).status == 204)
        #expect(try await root.write("kv/a", ["v": "1"]).status == 204)
        #expect(try await root.read("kv/a").data?["v"] == "1")
        // Nothing else was created: no lock table (HA is off), no extra index.
        #expect(try nodes.pg.value("SELECT count(*) FROM pg_tables WHERE tablename = '\(nodes.haTable)'") == "0")
        #expect(try nodes.pg.value("SELECT count(*) FROM pg_indexes WHERE tablename = '\(nodes.table)'") == "2")
        try await server.stop()
    }

    @Test("an unreachable database is a clear startup error that does not show the password")
    func unreachable() async throws {
        let nodes = try PostgresNodes("down", url: "postgres://coffer:hunter2secret@127.0.0.1:\(PostgresNodes.freePort())/coffer?sslmode=disable")
        defer { try? FileManager.default.removeItem(atPath: nodes.directory) }
        let (config, _) = try nodes.config(1, ha: false)
        do {
            let server = try await ServerProcess.start(configPath: config)
            try await server.stop()
            Issue.record("the server started without its database")
        } catch let failure as ServerProcess.Failure {
            #expect(failure.description.contains("PostgreSQL"), "\(failure.description)")
            #expect(!failure.description.contains("hunter2secret"))
        }
    }
}
