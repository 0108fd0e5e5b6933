import CofferSDK
@testable import CofferStorage
import Foundation
import GRDB
import Logging
import PostgresNIO
import Testing

@Suite("Key directory: reads of missing keys skip storage")
struct KeyDirectoryTests {
    @Test("answers only when loaded; adds what committed during the load; deleted and unsure keys stay possible; epochs")
    func rules() {
        let directory = KeyDirectory(loader: { [] })
        #expect(!directory.absent("a"))

        // Puts that land while the load runs are added to what it read.
        var epoch = directory.begin()
        directory.wrote([.put("new", [1]), .delete("old")])
        #expect(!directory.absent("anything"))
        directory.install(["old", "kept"].map(\.hashValue), epoch: epoch)
        #expect(directory.isReady)
        #expect(!directory.absent("new") && !directory.absent("kept") && directory.absent("never"))
        // A filter cannot forget: a deleted key costs a read, never a wrong answer.
        #expect(!directory.absent("old"))
        directory.wrote([.put("later", [])])
        directory.unsure(["maybe"])
        #expect(!directory.absent("later") && !directory.absent("maybe"))

        // A load that a stop or a newer start overtook is dropped; a failed load leaves it off.
        epoch = directory.begin()
        directory.stop()
        directory.install(["x".hashValue], epoch: epoch)
        #expect(!directory.isReady && !directory.absent("never"))
        let stale = directory.begin()
        epoch = directory.begin()
        directory.install([], epoch: stale)
        #expect(!directory.isReady)
        directory.install(nil, epoch: epoch)
        #expect(!directory.isReady && !directory.absent("never"))
    }

    @Test("a filter that took more keys than it was sized for loads itself again")
    func rebuild() async throws {
        let directory = KeyDirectory(loader: { ["stored"].map(\.hashValue) })
        directory.start()
        for _ in 0..<500 where !directory.isReady { try await Task.sleep(for: .milliseconds(10)) }
        #expect(directory.isReady && !directory.absent("stored") && directory.absent("never"))
        directory.wrote((0...BloomFilter(expected: 1).capacity).map { .put("k\($0)", []) })
        for _ in 0..<500 where !directory.isReady { try await Task.sleep(for: .milliseconds(10)) }
        // The reload saw only what the loader returns: the keys it was fed are gone from it.
        #expect(directory.isReady && !directory.absent("stored") && directory.absent("k1"))
    }

    @Test("a Bloom filter never says absent for a key it took, and rarely says maybe for one it did not")
    func bloom() {
        var filter = BloomFilter(expected: 50_000)
        let keys = (0..<filter.capacity).map { "logical/\($0)/metadata/app" }
        for key in keys { filter.insert(key.hashValue) }
        #expect(keys.allSatisfy { filter.mayContain($0.hashValue) })
        let strangers = (0..<100_000).filter { filter.mayContain("other/\($0)".hashValue) }.count
        #expect(strangers < 2_000, "false maybe rate \(strangers) in 100,000 at capacity")
        #expect(!filter.isFull)
        filter.insert(1)
        #expect(filter.isFull)
    }

    @Test("SQLite: a reopened store loads its keys, then reads a missing key without asking SQLite")
    func sqlite() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("directory-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        var storage = try SQLiteStorage(path: path)
        try await storage.put("core/seal", [1])
        try await storage.put("logical/abc/app/db", [2])
        try await storage.close()

        storage = try SQLiteStorage(path: path)
        for _ in 0..<500 where !storage.directory.isReady { try await Task.sleep(for: .milliseconds(10)) }
        #expect(storage.directory.isReady)
        #expect(try await storage.get("core/seal") == [1] && storage.directory.absent("core/missing"))
        // A row written behind the store's back is not looked for: the process is the only writer.
        let planted = try DatabaseQueue(path: path)
        try await planted.write { db in try db.execute(sql: "INSERT INTO entries (key, value) VALUES ('logical/abc/planted', x'07')") }
        try planted.close()
        #expect(try await storage.get("logical/abc/planted") == nil)
        #expect(try await storage.scan(prefix: "logical/abc/", after: nil, limit: 10) == ["logical/abc/app/db", "logical/abc/planted"])
        // Its own writes are found.
        try await storage.put("logical/abc/later", [3])
        #expect(try await storage.get("logical/abc/later") == [3])
        try await storage.close()
    }

    @Test(
        "PostgreSQL: a reopened storage loads its keys, then reads a missing key without asking the database",
        .enabled(if: ProcessInfo.processInfo.environment["COFFER_TEST_POSTGRES_URL"] != nil || ProcessInfo.processInfo.environment["CI"] == "true")
    )
    func postgres() async throws {
        let raw = try #require(ProcessInfo.processInfo.environment["COFFER_TEST_POSTGRES_URL"], "scripts/test starts PostgreSQL")
        let url = try #require(URLComponents(string: raw))
        var settings = PostgresStorageSettings(
            host: try #require(url.host), port: try #require(url.port), user: url.user ?? "", password: url.password ?? "",
            database: String(url.path.dropFirst()), sslMode: "disable"
        )
        settings.table = "directory_\(UInt32.random(in: 0...UInt32.max))"
        let logger = Logger(label: "test")

        let keys = ["top", "core/mounts", "logical/abc/app/db", "logical/abc/app/nested/deep"]
        var storage = try await PostgresStorage.open(settings, logger: logger)
        for key in keys { try await storage.put(key, Array(key.utf8)) }
        try await storage.delete("core/mounts")
        try await storage.close()

        storage = try await PostgresStorage.open(settings, logger: logger)
        for _ in 0..<500 where !storage.directory.isReady { try await Task.sleep(for: .milliseconds(20)) }
        #expect(storage.directory.isReady)
        for key in keys where key != "core/mounts" { #expect(try await storage.get(key) == Array(key.utf8)) }
        #expect(try await storage.get("core/mounts") == nil)

        // A row that this node did not write is not looked for: the active node is the only writer.
        try await execute(settings, "INSERT INTO \(settings.table) VALUES ('/logical/', '/logical/abc/', 'planted', '\\x01')")
        #expect(try await storage.get("logical/abc/planted") == nil)
        // Its own writes are found again, through the directory, after the cache dropped them.
        try await storage.put("logical/abc/later", [7])
        storage.cache.setEnabled(true)
        #expect(try await storage.get("logical/abc/later") == [7])
        try await storage.close()
        try await execute(settings, "DROP TABLE \(settings.table)")
    }

    /// Runs `sql` on a connection of its own (not through psql: Foundation's Process, run by many
    /// tests at once, is a known source of crashes in libdispatch on Linux).
    private func execute(_ settings: PostgresStorageSettings, _ sql: String) async throws {
        let configuration = PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.user, password: settings.password, database: settings.database,
            tls: .disable
        )
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: Logger(label: "test"))
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test"))
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }
}
