import CofferSDK
import CofferTesting
import Foundation
import Testing

@Suite("operator migrate between SQLite and PostgreSQL", .enabled(if: TestPostgres.available, "no COFFER_TEST_POSTGRES_URL; run scripts/test"))
struct MigrateTests {
    @Test("SQLite → PostgreSQL → SQLite: the copies unseal with the same key and hold every secret")
    func roundTrip() async throws {
        let nodes = try PostgresNodes("migrate")
        defer { nodes.cleanUp() }
        let sqlite = try SQLiteTestServer(directory: nodes.directory)
        var server = try await sqlite.start()
        let (key, token) = try await SQLiteTestServer.initialise(server)
        var root = VaultHTTP(address: server.address, token: token)
        #expect(try await root.write("sys/mounts/secret", ["type": "kv-v2"]).status == 204)
        for n in 0..<1_200 { _ = try await root.write("secret/data/app/\(n)", ["data": ["n": .int(Int64(n))]]) }
        try await server.stop()

        let toPostgres = nodes.directory + "/to-pg.hcl"
        try """
            storage_source "sqlite" { path = "\(nodes.directory)/coffer.db" }
            storage_destination "postgresql" {
              connection_url = "\(nodes.url)"
              table          = "\(nodes.table)"
            }
            """.write(toFile: toPostgres, atomically: true, encoding: .utf8)
        let migrated = try runCoffer(["operator", "migrate", "-config=\(toPostgres)"])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        #expect(migrated.stdout.contains("Success!"))
        // Into a store that has data: refused, nothing changes.
        let again = try runCoffer(["operator", "migrate", "-config=\(toPostgres)"])
        #expect(again.status != 0 && again.stderr.contains("already holds data"), "\(again.stderr)")

        let (pgConfig, _) = try nodes.config(1, ha: false)
        server = try await ServerProcess.start(configPath: pgConfig)
        try await SQLiteTestServer.unseal(server, key: key)
        root = VaultHTTP(address: server.address, token: token)
        #expect(try await root.read("secret/data/app/1199").data?["data"]?.objectValue?["n"] == 1199)
        #expect(try await root.list("secret/metadata/app").data?["keys"]?.arrayValue?.count == 1_200)
        #expect(try await root.write("secret/data/app/on-pg", ["data": ["x": "y"]]).status == 200)
        try await server.stop()

        let back = nodes.directory + "/back"
        try FileManager.default.createDirectory(atPath: back, withIntermediateDirectories: true)
        let toSQLite = nodes.directory + "/to-sqlite.hcl"
        try """
            storage_source "postgresql" {
              connection_url = "\(nodes.url)"
              table          = "\(nodes.table)"
            }
            storage_destination "sqlite" { path = "\(back)/coffer.db" }
            """.write(toFile: toSQLite, atomically: true, encoding: .utf8)
        let returned = try runCoffer(["operator", "migrate", "-config=\(toSQLite)"])
        #expect(returned.status == 0, "\(returned.stderr)")
        server = try await SQLiteTestServer(directory: back).start()
        try await SQLiteTestServer.unseal(server, key: key)
        root = VaultHTTP(address: server.address, token: token)
        #expect(try await root.read("secret/data/app/on-pg").data?["data"]?.objectValue?["x"] == "y")
        #expect(try await root.read("secret/data/app/0").data?["data"]?.objectValue?["n"] == 0)
        try await server.stop()
    }

    @Test("bad migration configurations are refused with a reason")
    func badConfig() throws {
        let directory = try TemporaryDirectory.make("coffer-migrate-bad-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func attempt(_ text: String) throws -> String {
            try text.write(toFile: directory + "/m.hcl", atomically: true, encoding: .utf8)
            let result = try runCoffer(["operator", "migrate", "-config=\(directory)/m.hcl"])
            #expect(result.status != 0)
            return result.stderr
        }
        #expect(try attempt("storage_source \"sqlite\" { path = \"\(directory)/a.db\" }").contains("storage_destination are required"))
        #expect(try attempt("storage_source \"sqlite\" { path = \"\(directory)/none.db\" }\nstorage_destination \"sqlite\" { path = \"\(directory)/b.db\" }").contains("does not exist"))
        #expect(try attempt("storage_source \"consul\" {}\nstorage_destination \"sqlite\" { path = \"\(directory)/b.db\" }").contains("unsupported storage type"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/none.db"))
    }
}
