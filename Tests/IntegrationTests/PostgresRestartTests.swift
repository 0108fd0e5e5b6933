import CofferSDK
import CofferTesting
import Foundation
import Synchronization
import Testing

/// A PostgreSQL server of this test's own (restarting the shared one would disturb other
/// tests), started and stopped with scripts/test-postgres.
struct OwnPostgres {
    let url: String
    let directory: String

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/test-postgres").path
    }

    /// Runs `arguments` through a small Python wrapper that closes every inherited descriptor
    /// in the child: the postmaster that pg_ctl leaves running would otherwise hold the pipe
    /// (and the descriptor Foundation watches to see the child exit) open for ever.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let wrapper = """
            import subprocess, sys, tempfile
            with tempfile.TemporaryFile() as f:
                r = subprocess.run(sys.argv[1:], close_fds=True, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT)
                f.seek(0)
                sys.stdout.buffer.write(f.read())
            sys.exit(r.returncode)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", wrapper] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    init() async throws {
        // initdb and a start take seconds: off the shared threads (see `offThePool`).
        let started = try await offThePool { try Self.run(["bash", Self.script, "start"]) }
        #expect(started.status == 0, "\(started.output)")
        var url = "", directory = ""
        for line in started.output.split(separator: "\n") {
            if line.hasPrefix("export COFFER_TEST_POSTGRES_URL=") { url = String(line.dropFirst("export COFFER_TEST_POSTGRES_URL=".count)) }
            if line.hasPrefix("export COFFER_TEST_POSTGRES_DIR=") { directory = String(line.dropFirst("export COFFER_TEST_POSTGRES_DIR=".count)) }
        }
        self.url = try #require(url.isEmpty ? nil : url)
        self.directory = try #require(directory.isEmpty ? nil : directory)
    }

    /// A clean restart (`pg_ctl restart -m fast`), with the options it was started with.
    func restart() async throws {
        let bin = try FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql").sorted {
            $0.compare($1, options: .numeric) == .orderedAscending
        }.last.map { "/usr/lib/postgresql/\($0)/bin/pg_ctl" } ?? "pg_ctl"
        // As scripts/test-postgres does: the cluster belongs to `postgres` when root made it.
        let asOwner = getuid() == 0 ? ["runuser", "-u", "postgres", "--"] : []
        let directory = self.directory
        let result = try await offThePool {
            try Self.run(asOwner + [bin, "-D", directory + "/data", "-m", "fast", "-w", "-t", "60", "-l", directory + "/server.log", "restart"])
        }
        #expect(result.status == 0, "\(result.output)")
    }

    func stop() {
        _ = try? Self.run(["bash", Self.script, "stop", directory])
    }
}

@Suite("storage \"postgresql\" across a database restart", .enabled(if: TestPostgres.available, "no COFFER_TEST_POSTGRES_URL; run scripts/test"))
struct PostgresRestartTests {
    @Test("a PostgreSQL restart under load loses no acknowledged write, and coffer serves again after it", .timeLimit(.minutes(2)))
    func restartUnderLoad() async throws {
        let own = try await OwnPostgres()
        defer { own.stop() }
        let nodes = try PostgresNodes("restart", url: own.url)
        defer { try? FileManager.default.removeItem(atPath: nodes.directory) }
        let (config, _) = try nodes.config(1, ha: true)
        let server = try await ServerProcess.start(configPath: config)
        let (_, token) = try await SQLiteTestServer.initialise(server)
        let root = VaultHTTP(address: server.address, token: token)
        #expect(await PostgresHATests.waitUntil(10) { await PostgresHATests.leader(server.address)?.isSelf == true } != nil)
        #expect(try await root.write("sys/mounts/kv", ["type": "kv"]).status == 204)

        let acknowledged = Acknowledged()
        let stop = StopFlag()
        let writers = (0..<4).map { w in
            Task {
                var n = 0
                while !stop.isSet {
                    let id = w * 1_000_000 + n
                    if (try? await root.write("kv/load/\(id)", ["n": .int(Int64(id))]).status) == 204 { acknowledged.add(id) }
                    n += 1
                }
            }
        }
        try await Task.sleep(for: .seconds(1))
        let before = acknowledged.values.count
        try await own.restart()
        // Writes resume once the pool has reconnected.
        let resumed = await PostgresHATests.waitUntil(30) { acknowledged.values.count > before + 50 }
        stop.set()
        for writer in writers { _ = await writer.result }
        #expect(resumed != nil, "writes did not resume after the restart; server log: \(server.standardError.suffix(4000))")
        let written = acknowledged.values
        #expect(written.count > before)
        // Every acknowledged key is there (one listing), and values read back (a sample of them:
        // one request each would take minutes).
        let listed = Set(try await root.list("kv/load").data?["keys"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        let lost = written.filter { !listed.contains(String($0)) }
        #expect(lost.isEmpty, "acknowledged writes lost: \(lost.prefix(10))")
        for id in written.shuffled().prefix(200) {
            #expect(try await root.read("kv/load/\(id)").data?["n"] == .int(Int64(id)), "acknowledged write \(id) is lost")
        }
        // Still the active node: the lock survived (or was retaken) across the restart.
        #expect(await PostgresHATests.leader(server.address)?.isSelf == true)
        try await server.stop()
    }
}

/// Tells writer tasks to finish.
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}
