import CofferSDK
import CofferTesting
import Foundation
import Testing

/// Every request an attacker with an ordinary token (or none) was seen to crash, fool or tie
/// up the server with; after each, the server must still answer.
@Suite("Hostile input over HTTP")
struct HostileInputTests {
    static func expectAlive(_ server: ServerProcess, _ what: String) async throws {
        #expect(server.isRunning, "the server died after: \(what)")
        #expect(try await VaultHTTP(address: server.address).read("sys/seal-status").status == 200, "no answer after: \(what)")
    }

    @Test("numbers out of range are 400s naming the field, and stored poison cannot be planted")
    func numbers() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        try #require(try await root.write("sys/policies/acl/plain", ["policy": #"path "secret/*" { capabilities = ["create", "read", "update"] }"#]).status == 204)
        let created = try await root.write("auth/token/create", ["policies": ["plain"]])
        let user = VaultHTTP(address: server.address, token: created.json?.objectValue?["auth"]?.objectValue?["client_token"]?.stringValue)

        let hostile: [(String, String, JSONValue, VaultHTTP)] = [
            ("renew-self increment 1e19", "auth/token/renew-self", ["increment": 1e19], user),
            ("renew-self increment -1e300", "auth/token/renew-self", ["increment": -1e300], user),
            ("cas 1e300", "secret/data/k", ["data": ["a": "b"], "options": ["cas": 1e300]], user),
            ("cas -1e300", "secret/data/k", ["data": ["a": "b"], "options": ["cas": -1e300]], user),
            ("max_versions 1e300", "secret/metadata/k", ["max_versions": 1e300], root),
            ("delete_version_after 1e300", "secret/metadata/k", ["delete_version_after": 1e300], root),
            ("delete_version_after Int64.max", "secret/metadata/k", ["delete_version_after": "9223372036854775807"], root),
            ("config delete_version_after Int64.max", "secret/config", ["delete_version_after": "9223372036854775807"], root),
            ("token ttl 1e300", "auth/token/create", ["ttl": 1e300], root),
            ("token num_uses 1e300", "auth/token/create", ["num_uses": 1e300], root),
            ("token explicit_max_ttl 1e300", "auth/token/create", ["explicit_max_ttl": 1e300], root),
            ("token period 9e18", "auth/token/create", ["period": "9000000000000000000"], root),
            ("token ttl 2562047788015216h", "auth/token/create", ["ttl": "2562047788015216h"], root),
            ("policy min_wrapping_ttl", "sys/policies/acl/p1", ["policy": #"path "a/*" { capabilities = ["read"] min_wrapping_ttl = 1e300 }"#], root),
            ("mount default_lease_ttl", "sys/mounts/m1", ["type": "kv", "config": ["default_lease_ttl": 1e300]], root),
            ("mount tune max_lease_ttl", "sys/mounts/secret/tune", ["max_lease_ttl": "99999999999999999999"], root),
        ]
        for (what, path, body, client) in hostile {
            let result = try await client.write(path, body)
            #expect(result.status == 400, "\(what): \(result.status) \(result.text)")
            #expect(result.errors.first.map { $0.contains("range") || $0.contains("duration") || $0.contains("integer") } == true, "\(what): \(result.errors)")
            try await Self.expectAlive(server, what)
        }
        // A number the policy only stores is accepted as a value, not converted.
        #expect(try await root.write("sys/policies/acl/p2", ["policy": #"path "a/*" { capabilities = ["update"] allowed_parameters = { "x" = [1e300, 1e999999, -5] } }"#]).status == 400)
        #expect(try await root.write("sys/policies/acl/p3", ["policy": #"path "a/*" { capabilities = ["update"] allowed_parameters = { "x" = [1e300, -5] } }"#]).status == 204)
        try await Self.expectAlive(server, "policies with huge numbers")

        // The secret and the mount still work after every refusal.
        #expect(try await user.write("secret/data/k", ["data": ["a": "b"]]).status == 200)
        #expect(try await user.read("secret/data/k").status == 200)
        #expect(try await root.read("secret/metadata/k").data?["delete_version_after"] == "0s")
        #expect(try await root.write("secret/metadata/k", ["delete_version_after": "292y"]).status == 400)
        #expect(try await root.write("secret/metadata/k", ["delete_version_after": "2562047h"]).status == 204, "the longest Go duration is accepted")
        #expect(try await user.write("secret/data/k", ["data": ["a": "c"]]).status == 200)
        #expect(try await user.read("secret/data/k").status == 200)
        try await server.stop()
    }

    @Test("deep nesting, control characters in paths, and malformed framing are refused")
    func parsers() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        let deep = "path \"a\" { capabilities = " + String(repeating: "[", count: 100_000) + " }"
        let nested = try await root.write("sys/policies/acl/deep", ["policy": .string(deep)])
        #expect(nested.status == 400)
        #expect(nested.errors.first?.contains("nested") == true, "\(nested.errors)")
        try await Self.expectAlive(server, "a deeply nested policy")
        let deepJSON = String(repeating: "[", count: 100_000)
        #expect(try await root.request("POST", "secret/data/x", rawBody: Array(deepJSON.utf8)).status == 400)
        try await Self.expectAlive(server, "deeply nested JSON")

        // Oversized PEM keys and JWTs are refused before any parser sees them.
        #expect(try await root.write("sys/auth/jwt", ["type": "jwt"]).status == 204)
        let hugePEM = "-----BEGIN PUBLIC KEY-----\n" + String(repeating: "A", count: 100_000) + "\n-----END PUBLIC KEY-----\n"
        let pem = try await root.write("auth/jwt/config", ["jwt_validation_pubkeys": [.string(hugePEM)]])
        #expect(pem.status == 400)
        #expect(pem.errors.first?.contains("larger than") == true, "\(pem.errors)")
        let hugeJWT = String(repeating: "a", count: 300_000) + ".b.c"
        let login = try await VaultHTTP(address: server.address).write("auth/jwt/login", ["role": "r", "jwt": .string(hugeJWT)])
        #expect(login.status == 400)
        try await Self.expectAlive(server, "oversized PEM and JWT")

        let nul = try await root.write("secret/data/a%00b", ["data": ["k": "v"]])
        #expect(nul.status == 400)
        #expect(try await root.write("secret/data/a%0Ab", ["data": ["k": "v"]]).status == 400)
        #expect(try await root.list("secret/metadata").data?["keys"] == nil, "nothing was stored")

        let badChunk = Array("POST /v1/secret/data/x HTTP/1.1\r\nHost: x\r\nX-Vault-Token: root\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n".utf8)
        let chunked = try await RawHTTP.exchange(server.address, badChunk, timeout: 5)
        #expect(chunked.status == 400, "\(chunked.text)")
        try await Self.expectAlive(server, "a malformed chunk size")
        try await server.stop()
    }

    @Test("a wrapping token has one use: an interceptor's read makes the recipient's unwrap fail")
    func singleUseWrapping() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        func wrap() async throws -> String {
            let wrapped = try await root.request("POST", "sys/wrapping/wrap", body: ["secret": "s3"], headers: ["X-Vault-Wrap-TTL": "5m"])
            return try #require(wrapped.json?.objectValue?["wrap_info"]?.objectValue?["token"]?.stringValue)
        }
        let token = try await wrap()
        let interceptor = VaultHTTP(address: server.address, token: token)
        let stolen = try await interceptor.read("cubbyhole/response")
        #expect(stolen.status == 200)
        let late = try await root.write("sys/wrapping/unwrap", ["token": .string(token)])
        #expect(late.status == 400)
        #expect(late.errors == ["wrapping token is not valid or does not exist"])
        #expect(try await interceptor.write("sys/wrapping/unwrap", [:]).status == 400)

        // Looking up does not spend it; unwrapping (in the header or the body) does, once.
        let second = try await wrap()
        #expect(try await root.write("sys/wrapping/lookup", ["token": .string(second)]).status == 200)
        #expect(try await root.write("sys/wrapping/lookup", ["token": .string(second)]).status == 200)
        #expect(try await root.write("sys/wrapping/unwrap", ["token": .string(second)]).data?["secret"] == "s3")
        let third = try await wrap()
        #expect(try await root.write("sys/wrapping/lookup", ["token": .string(third)]).status == 200)
        let unwrapped = try await VaultHTTP(address: server.address, token: third).write("sys/wrapping/unwrap", [:])
        #expect(unwrapped.status == 200)
        #expect(unwrapped.data?["secret"] == "s3")
        #expect(try await root.write("sys/wrapping/unwrap", ["token": .string(third)]).status == 400)

        // Racing unwraps (and reads of the cubbyhole): exactly one gets the response.
        for _ in 0..<3 {
            let raced = try await wrap()
            let holder = VaultHTTP(address: server.address, token: raced)
            let results = await withTaskGroup(of: Int.self) { group in
                for n in 0..<10 {
                    group.addTask {
                        let answer = n % 2 == 0
                            ? try? await root.write("sys/wrapping/unwrap", ["token": .string(raced)])
                            : try? await holder.read("cubbyhole/response")
                        return answer?.status ?? 0
                    }
                }
                return await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(results.filter { $0 == 200 }.count == 1, "\(results)")
        }
        try await server.stop()
    }

    @Test("connections that stall in their headers or body are closed on the listener's timeouts")
    func stalledConnections() async throws {
        let directory = try TemporaryDirectory.make("coffer-timeouts-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/server.hcl"
        try """
            storage "inmem" {}
            listener "tcp" {
              address = "127.0.0.1:0"
              tls_disable = true
              http_read_header_timeout = "1s"
              http_read_timeout = "2s"
              http_idle_timeout = "3s"
            }
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try await ServerProcess.start(configPath: config)
        // Half a header: closed after the header timeout.
        let half = try await RawHTTP.exchange(server.address, Array("GET /v1/sys/health HTTP/1.1\r\nHost: x\r\nX-Pa".utf8), timeout: 8)
        #expect(half.closedAfter.map { $0 >= 0.5 && $0 < 4 } == true, "\(String(describing: half.closedAfter))")
        // A complete head with a body that never comes: closed after the read timeout.
        let body = try await RawHTTP.exchange(server.address, Array("PUT /v1/sys/init HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{".utf8), timeout: 8)
        #expect(body.closedAfter.map { $0 >= 1.5 && $0 < 6 } == true, "\(String(describing: body.closedAfter))")
        // Nothing at all: the header deadline runs from the connection's start.
        let silent = try await RawHTTP.exchange(server.address, [], timeout: 8)
        #expect(silent.closedAfter.map { $0 < 4 } == true, "\(String(describing: silent.closedAfter))")
        // A whole request is answered, and the kept-alive connection is closed when idle.
        let idle = try await RawHTTP.exchange(server.address, Array("GET /v1/sys/health HTTP/1.1\r\nHost: x\r\n\r\n".utf8), timeout: 10)
        #expect(idle.status != nil)
        #expect(idle.closedAfter.map { $0 >= 2 && $0 < 8 } == true, "\(String(describing: idle.closedAfter))")
        try await Self.expectAlive(server, "stalled connections")
        try await server.stop()
    }
}
