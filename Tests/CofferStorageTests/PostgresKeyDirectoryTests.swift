import CofferSDK
@testable import CofferStorage
import Foundation
import Logging
import Testing

@Suite("PostgreSQL key directory")
struct PostgresKeyDirectoryTests {
    @Test("answers only when loaded; replays what committed during the load; epochs, limit and unsure writes")
    func rules() {
        let directory = PostgresKeyDirectory(limit: 4)
        #expect(!directory.absent("a"))

        // Commits that land while the load runs are replayed over what it read, in order.
        var epoch = directory.begin()
        directory.wrote([.put("new", [1]), .delete("old"), .put("both", [])])
        directory.wrote([.delete("both")])
        #expect(!directory.absent("anything"))
        directory.install(["old", "kept"], epoch: epoch)
        #expect(directory.count == 2)
        #expect(!directory.absent("new") && !directory.absent("kept"))
        #expect(directory.absent("old") && directory.absent("both") && directory.absent("never"))

        // A write whose outcome is unknown makes its key possibly present.
        directory.unsure(["maybe"])
        #expect(!directory.absent("maybe"))

        // A load that a stop or a newer start overtook is dropped.
        epoch = directory.begin()
        directory.stop()
        directory.install(["x"], epoch: epoch)
        #expect(!directory.absent("never") && directory.count == nil)
        let stale = directory.begin()
        epoch = directory.begin()
        directory.install(["x"], epoch: stale)
        #expect(directory.count == nil)
        directory.install(["x"], epoch: epoch)
        #expect(directory.count == 1)

        // Above the limit, or after a failed load, it never answers.
        directory.wrote([.put("1", []), .put("2", []), .put("3", []), .put("4", [])])
        #expect(directory.count == nil && !directory.absent("never"))
        epoch = directory.begin()
        directory.install(nil, epoch: epoch)
        #expect(directory.count == nil && !directory.absent("never"))
    }

    @Test(
        "on a real PostgreSQL: a reopened storage lists every key once, and then reads a missing key without asking the database",
        .enabled(if: ProcessInfo.processInfo.environment["COFFER_TEST_POSTGRES_URL"] != nil || ProcessInfo.processInfo.environment["CI"] == "true")
    )
    func loadsFromTheTable() async throws {
        let raw = try #require(ProcessInfo.processInfo.environment["COFFER_TEST_POSTGRES_URL"], "scripts/test starts PostgreSQL")
        let url = try #require(URLComponents(string: raw))
        var settings = PostgresStorageSettings(
            host: try #require(url.host), port: try #require(url.port), user: url.user ?? "", password: url.password ?? "",
            database: String(url.path.dropFirst()), sslMode: "disable"
        )
        settings.table = "directory_\(UInt32.random(in: 0...UInt32.max))"
        defer { _ = try? psql(raw, "DROP TABLE IF EXISTS \(settings.table)") }
        let logger = Logger(label: "test")

        let keys = ["top", "core/mounts", "logical/abc/app/db", "logical/abc/app/nested/deep"]
        var storage = try await PostgresStorage.open(settings, logger: logger)
        for key in keys { try await storage.put(key, Array(key.utf8)) }
        try await storage.delete("core/mounts")
        try await storage.close()

        storage = try await PostgresStorage.open(settings, logger: logger)
        for _ in 0..<500 where storage.directory.count == nil { try await Task.sleep(for: .milliseconds(20)) }
        #expect(storage.directory.count == 3)
        for key in keys where key != "core/mounts" { #expect(try await storage.get(key) == Array(key.utf8)) }
        #expect(try await storage.get("core/mounts") == nil)

        // A row that this node did not write is not looked for: the active node is the only writer.
        _ = try psql(raw, "INSERT INTO \(settings.table) VALUES ('/logical/', '/logical/abc/', 'planted', '\\x01')")
        #expect(try await storage.get("logical/abc/planted") == nil)
        // Its own writes are found again, through the directory, after the cache dropped them.
        try await storage.put("logical/abc/later", [7])
        storage.cache.setEnabled(true)
        #expect(try await storage.get("logical/abc/later") == [7])
        try await storage.close()
    }

    private func psql(_ url: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [url, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CofferError(.internalError, "psql failed") }
        return String(decoding: data, as: UTF8.self)
    }
}
