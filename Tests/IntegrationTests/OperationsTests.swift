import CofferSDK
import CofferTesting
import Foundation
import Testing

/// The procedures docs/operations.md gives operators, run as written.
@Suite("Operations procedures")
struct OperationsTests {
    @Test("an online backup taken while the server writes starts a second server with the data")
    func onlineBackup() async throws {
        let directory = try TemporaryDirectory.make("coffer-backup-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/live", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory + "/restored", withIntermediateDirectories: true)
        let live = try SQLiteTestServer(directory: directory + "/live")
        let server = try await live.start()
        let (key, token) = try await SQLiteTestServer.initialise(server)
        let root = VaultHTTP(address: server.address, token: token)
        #expect(try await root.write("sys/mounts/secret", ["type": "kv-v2"]).status == 204)
        for n in 0..<50 { _ = try await root.write("secret/data/before/\(n)", ["data": ["n": .int(Int64(n))]]) }

        // Writes keep coming while the backup runs, as the docs allow.
        let writer = Task {
            for n in 0..<200 { _ = try? await root.write("secret/data/during/\(n)", ["data": ["n": .int(Int64(n))]]) }
        }
        let backup = Process()
        backup.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        backup.arguments = [
            "python3", "-c", "import sqlite3,sys; sqlite3.connect(sys.argv[1]).backup(sqlite3.connect(sys.argv[2]))",
            directory + "/live/coffer.db", directory + "/restored/coffer.db",
        ]
        try backup.run()
        backup.waitUntilExit()
        #expect(backup.terminationStatus == 0)
        _ = await writer.result
        try await server.stop()

        let restored = try await SQLiteTestServer(directory: directory + "/restored").start()
        try await SQLiteTestServer.unseal(restored, key: key)
        let again = VaultHTTP(address: restored.address, token: token)
        for n in [0, 25, 49] {
            #expect(try await again.read("secret/data/before/\(n)").data?["data"]?.objectValue?["n"] == .int(Int64(n)))
        }
        #expect(try await again.list("secret/metadata/before").data?["keys"]?.arrayValue?.count == 50)
        try await restored.stop()
    }
}
