import CofferSDK
import CofferTesting
import Foundation
import Testing

@Suite("A hands-off pair on PostgreSQL: static seal, self-initialization and HA together", .enabled(if: TestPostgres.available, "no COFFER_TEST_POSTGRES_URL; run scripts/test"))
struct PostgresStaticSealTests {
    @Test("the first node initialises and configures storage, the second unseals itself as a standby, and takes over after kill -9")
    func handsOffPair() async throws {
        let nodes = try PostgresNodes("static")
        defer { nodes.cleanUp() }
        let stanzas = """

            seal "static" {
              current_key_id = "pair-1"
              current_key    = "env://PAIR_SEAL_KEY"
            }
            initialize "setup" {
              request "kv" {
                operation = "update"
                path      = "sys/mounts/secret"
                data      = { type = "kv", options = { version = "2" } }
              }
              request "operator" {
                operation = "update"
                path      = "auth/token/create"
                data      = { id = "pair-operator", policies = ["root"], no_parent = true }
              }
            }
            """
        var configs = [(path: String, address: String)]()
        for n in 1...2 {
            let config = try nodes.config(n, ha: true)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: config.path))
            handle.seekToEndOfFile()
            handle.write(Data(stanzas.utf8))
            try handle.close()
            configs.append(config)
        }
        let environment = ["PAIR_SEAL_KEY": TestKey.hex(32)]
        let first = try await ServerProcess.start(configPath: configs[0].path, environment: environment)
        let firstOperator = VaultHTTP(address: configs[0].address, token: "pair-operator")
        #expect(try await firstOperator.read("sys/health").status == 200)
        #expect(first.standardError.contains("self-initialization complete"))
        let second = try await ServerProcess.start(configPath: configs[1].path, environment: environment)
        // No one unseals the second node: it unseals itself and stands by.
        let standby = await PostgresHATests.waitUntil(20) { (try? await PostgresHATests.health(configs[1].address).status) == 429 }
        #expect(standby != nil)
        #expect(!second.standardError.contains("initialize stanzas"))
        let viaStandby = VaultHTTP(address: configs[1].address, token: "pair-operator")
        #expect(try await viaStandby.write("secret/data/pair", ["data": ["v": "1"]]).status == 200)

        try await first.stop(signal: SIGKILL)
        let tookOver = await PostgresHATests.waitUntil(25) { (try? await PostgresHATests.health(configs[1].address).status) == 200 }
        #expect(tookOver != nil)
        #expect(try await viaStandby.read("secret/data/pair").data?["data"] == ["v": "1"])
        try await second.stop()
    }
}
