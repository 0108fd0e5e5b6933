import CofferSDK
import CofferTesting
import Foundation
import Testing

@Suite("TLS listener")
struct TLSTests {
    /// Runs a command line tool and returns its stdout, or nil when it failed.
    static func run(_ tool: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("the CLI reports an HTTP server behind an https address, and a refused connection, as Vault does")
    func transportErrors() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let https = server.address.replacingOccurrences(of: "http://", with: "https://")
        let mismatch = try runCoffer(["status"], environment: ["VAULT_ADDR": https])
        #expect(mismatch.status != 0)
        #expect(mismatch.stderr.contains("http: server gave HTTP response to HTTPS client"), "\(mismatch.stderr)")
        try await server.stop()
        let refused = try runCoffer(["status"], environment: ["VAULT_ADDR": server.address])
        #expect(refused.stderr.contains("connect: connection refused"), "\(refused.stderr)")
        #expect(!refused.stderr.contains("/.build/"))
    }

    @Test("serves HTTPS from the configured PEM certificate and key")
    func https() async throws {
        let directory = try TemporaryDirectory.make("coffer-tls-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (generated, _) = try Self.run("openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", directory + "/key.pem", "-out", directory + "/cert.pem", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ])
        try #require(generated == 0, "openssl could not make a test certificate")
        let config = """
            storage "inmem" {}
            listener "tcp" {
              address       = "127.0.0.1:0"
              tls_cert_file = "\(directory)/cert.pem"
              tls_key_file  = "\(directory)/key.pem"
            }
            """
        try config.write(toFile: directory + "/server.hcl", atomically: true, encoding: .utf8)
        let server = try await ServerProcess.start(configPath: directory + "/server.hcl")
        #expect(server.address.hasPrefix("https://127.0.0.1:"))
        let (code, body) = try Self.run("curl", [
            "-s", "--cacert", directory + "/cert.pem", "-o", "-", "-w", "\n%{http_code}", server.address + "/v1/sys/seal-status",
        ])
        #expect(code == 0)
        #expect(body.hasSuffix("\n200"))
        #expect(body.contains("\"initialized\":false"))
        let (plainCode, _) = try Self.run("curl", ["-s", "--max-time", "5", server.address.replacingOccurrences(of: "https", with: "http") + "/v1/sys/health"])
        #expect(plainCode != 0, "plain HTTP is not served on a TLS listener")
        // The CLI words TLS failures as Vault's does, on one line, without library dumps.
        let untrusted = try runCoffer(["status"], environment: ["VAULT_ADDR": server.address])
        #expect(untrusted.status != 0)
        #expect(untrusted.stderr.contains("x509: certificate signed by unknown authority"), "\(untrusted.stderr)")
        #expect(!untrusted.stderr.contains("/.build/") && !untrusted.stderr.contains("NIOSSL"), "\(untrusted.stderr)")
        let trusted = try runCoffer(["status"], environment: ["VAULT_ADDR": server.address, "VAULT_CACERT": directory + "/cert.pem"])
        #expect(trusted.stdout.contains("Initialized"), "\(trusted.stderr)")  // exit 2: sealed, as Vault's status says
        try await server.stop()
    }
}
