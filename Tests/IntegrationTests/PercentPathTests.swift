import CofferSDK
import CofferTesting
import Testing

@Suite("Percent-encoded request paths")
struct PercentPathTests {
    @Test("paths are percent-decoded when they hold a '%', and taken as they are otherwise")
    func decoding() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        #expect(try await root.write("secret/data/sp%61ce", ["data": ["k": "1"]]).status == 200)
        #expect(try await root.read("secret/data/space").data?["data"] == ["k": "1"])
        #expect(try await root.write("secret/data/a%2Fb", ["data": ["k": "2"]]).status == 200)
        #expect(try await root.read("secret/data/a/b").data?["data"] == ["k": "2"])
        #expect(try await root.write("secret/data/plain-name_1", ["data": ["k": "3"]]).status == 200)
        #expect(try await root.read("secret/data/plain-name_1").data?["data"] == ["k": "3"])
        // Not valid percent-encoding: the path is taken as sent, as before.
        let raw = Array("GET /v1/secret/data/bad%zz HTTP/1.1\r\nHost: x\r\nX-Vault-Token: root\r\nConnection: close\r\n\r\n".utf8)
        #expect(try await RawHTTP.exchange(server.address, raw, timeout: 5).status == 404)
        try await server.stop()
    }
}
