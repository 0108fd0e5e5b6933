import CofferCore
import CofferCrypto
import CofferSDK
@testable import CofferServer
import Foundation
import Testing

@Suite("Server configuration")
struct ServerConfigTests {
    @Test("a full HCL configuration")
    func hcl() throws {
        let config = try ServerConfig.parse(
            """
            storage "sqlite" {
              path = "/var/lib/coffer/coffer.db"
            }
            listener "tcp" {
              address       = "0.0.0.0:8200"
              tls_cert_file = "/etc/coffer/cert.pem"
              tls_key_file  = "/etc/coffer/key.pem"
            }
            default_lease_ttl = "1h"
            max_lease_ttl     = "768h"
            api_addr          = "https://coffer.example:8200"
            log_level         = "debug"
            disable_mlock     = true
            ui                = true
            """, file: "server.hcl", json: false)
        #expect(config.storage == .sqlite(path: "/var/lib/coffer/coffer.db"))
        #expect(config.listeners.count == 1)
        #expect(config.listeners[0].address == "0.0.0.0:8200" && !config.listeners[0].tlsDisable)
        #expect(config.defaultLeaseTTL == 3600 && config.maxLeaseTTL == 768 * 3600)
        #expect(config.apiAddr == "https://coffer.example:8200" && config.logLevel == "debug")
        #expect(config.disableMlock && config.ui)
    }

    @Test("the legacy backend spelling and inmem storage")
    func legacyBackend() throws {
        let config = try ServerConfig.parse(
            "backend \"inmem\" {}\nlistener \"tcp\" {\n address = \"127.0.0.1:8200\"\n tls_disable = 1\n}\n",
            file: "legacy.hcl", json: false)
        #expect(config.storage == .inmem && config.listeners[0].tlsDisable)
    }

    @Test("JSON configuration")
    func json() throws {
        let config = try ServerConfig.parse(
            #"{"storage": {"sqlite": {"path": "data.db"}}, "listener": [{"tcp": {"address": "127.0.0.1:8300", "tls_disable": true}}], "max_lease_ttl": 7200}"#,
            file: "server.json", json: true)
        #expect(config.storage == .sqlite(path: "data.db"))
        #expect(config.listeners.first?.address == "127.0.0.1:8300")
        #expect(config.maxLeaseTTL == 7200)
    }

    @Test("mistakes are startup errors naming the file and line", arguments: [
        ("storage \"inmem\" {}\nlistener \"tcp\" { tls_disable = true }\ntelemetry {\n  statsd_address = \"x\"\n}\n", "bad.hcl:4"),
        ("storage \"inmem\" {}\nlistener \"tcp\" {\n  tls_disable = true\n  adress = \"x\"\n}\n", "bad.hcl:4"),
        ("storage \"consul\" {}\nlistener \"tcp\" { tls_disable = true }\n", "bad.hcl:1"),
        ("storage \"inmem\" {}\nlistener \"tcp\" { tls_disable = true }\nmax_lease_ttl = \"forever\"\n", "bad.hcl:3"),
        ("storage \"inmem\" {}\nlistener \"tcp\" {\n  address = \"127.0.0.1:8200\"\n}\n", "bad.hcl:2"),
        ("storage \"inmem\" {}\nlistener \"tcp\" { tls_disable = true }\nui = \"sometimes\"\n", "bad.hcl:3"),
        ("storage \"sqlite\" {}\nlistener \"tcp\" { tls_disable = true }\n", "bad.hcl:1"),
        ("storage \"inmem\" {\n", "line 2"),
    ])
    func errors(text: String, location: String) {
        do {
            _ = try ServerConfig.parse(text, file: "bad.hcl", json: false)
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains(location), "\(error)")
        }
    }

    @Test("storage and listener are required")
    func required() {
        #expect(throws: ConfigError.self) { try ServerConfig.parse("listener \"tcp\" { tls_disable = true }", file: "f", json: false) }
        #expect(throws: ConfigError.self) { try ServerConfig.parse("storage \"inmem\" {}", file: "f", json: false) }
    }

    @Test("host and port parsing")
    func hostPort() {
        #expect(HostPort.parse("127.0.0.1:8200") == HostPort(host: "127.0.0.1", port: 8200))
        #expect(HostPort.parse("[::1]:0") == HostPort(host: "::1", port: 0))
        #expect(HostPort.parse(":8200") == HostPort(host: "0.0.0.0", port: 8200))
        #expect(HostPort.parse("localhost") == nil)
        #expect(HostPort.parse("h:99999") == nil)
    }
}

@Suite("Shipped example configurations")
struct ExampleConfigTests {
    static let configDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config")

    @Test("every file in config/ loads", arguments: ["coffer.hcl", "coffer.json", "tls.hcl", "lab.hcl"])
    func loads(name: String) throws {
        let config = try ServerConfig.load(path: Self.configDirectory.appendingPathComponent(name).path)
        #expect(config.storage == .sqlite(path: name == "lab.hcl" ? "lab-data/coffer.db" : "coffer.db"))
        #expect(!config.listeners.isEmpty)
        if name == "lab.hcl" {
            #expect(config.seal?.currentKey == "env://COFFER_SEAL_KEY")
            #expect(config.initialize.map(\.name) == ["audit", "secrets", "access"])
        }
    }

    @Test("listener timeouts: Vault's defaults, durations in the stanza, and out-of-range values refused")
    func listenerTimeouts() throws {
        let plain = try ServerConfig.parse(#"storage "inmem" {} listener "tcp" { tls_disable = true }"#, file: "a.hcl", json: false)
        #expect(plain.listeners[0].readHeaderTimeout == 10 && plain.listeners[0].readTimeout == 30 && plain.listeners[0].idleTimeout == 300)
        let tuned = try ServerConfig.parse(#"""
            storage "inmem" {}
            listener "tcp" {
              tls_disable = true
              http_read_header_timeout = "2s"
              http_read_timeout = 45
              http_idle_timeout = "0"
            }
            """#, file: "b.hcl", json: false)
        #expect(tuned.listeners[0].readHeaderTimeout == 2 && tuned.listeners[0].readTimeout == 45 && tuned.listeners[0].idleTimeout == 0)
        #expect(throws: ConfigError.self) {
            try ServerConfig.parse(#"storage "inmem" {} listener "tcp" { tls_disable = true http_read_timeout = "99999999999h" }"#, file: "c.hcl", json: false)
        }
    }

    @Test("telemetry: Vault's defaults with and without a stanza, none, and sinks coffer does not have")
    func telemetry() throws {
        let base = #"storage "inmem" {} listener "tcp" { tls_disable = true } "#
        let none = try ServerConfig.parse(base, file: "c.hcl", json: false)
        #expect(none.telemetry.prometheusRetentionTime == 0 && none.telemetry.usageGaugePeriod == 600)
        let stanza = try ServerConfig.parse(base + #"telemetry { disable_hostname = true usage_gauge_period = "none" }"#, file: "c.hcl", json: false)
        #expect(stanza.telemetry.prometheusRetentionTime == 24 * 3600 && stanza.telemetry.usageGaugePeriod == nil && stanza.telemetry.disableHostname)
        let listener = try ServerConfig.parse(
            #"storage "inmem" {} listener "tcp" { tls_disable = true telemetry { unauthenticated_metrics_access = true } }"#, file: "c.hcl", json: false)
        #expect(listener.listeners[0].unauthenticatedMetricsAccess)
        for bad in [#"telemetry { statsd_address = "localhost:8125" }"#, #"telemetry { metrics_prefix = "coffer" }"#, #"telemetry { usage_gauge_period = "0s" }"#] {
            #expect(throws: ConfigError.self) { try ServerConfig.parse(base + bad, file: "c.hcl", json: false) }
        }
    }

    @Test("seal and initialize in JSON, as OpenBao documents them")
    func sealAndInitializeJSON() throws {
        let config = try ServerConfig.parse(
            """
            {"storage": {"inmem": {}}, "listener": {"tcp": {"address": "127.0.0.1:8200", "tls_disable": true}},
             "seal": {"static": {"current_key_id": "a", "current_key": "env://K", "previous_key_id": "b", "previous_key": "file:///k"}},
             "initialize": [{"audit": {"request": [{"enable-audit": {"operation": "update", "path": "sys/audit/stdout",
               "data": {"type": "file", "options": {"file_path": "stdout", "log_raw": true}}}}]}}]}
            """, file: "c.json", json: true)
        #expect(config.seal == StaticSealStanza(currentKeyID: "a", currentKey: "env://K", previousKeyID: "b", previousKey: "file:///k"))
        #expect(config.initialize.map(\.name) == ["audit"])
        let request = try #require(config.initialize.first?.requests.first)
        #expect(request.name == "enable-audit" && request.operation == .update && request.path == "sys/audit/stdout")
        #expect(request.data == ["type": "file", "options": ["file_path": "stdout", "log_raw": true]])
        // The previous key's id must come with it.
        #expect(throws: ConfigError.self) {
            try ServerConfig.parse(#"storage "inmem" {} listener "tcp" { tls_disable = true } seal "static" { current_key_id = "a" current_key = "x" previous_key = "y" }"#, file: "c.hcl", json: false)
        }
    }

    @Test("static seal keys: hex, base64 or 32 raw bytes from a file; errors never show the key")
    func staticSealKeys() throws {
        let hex = String(repeating: "ab", count: 32)
        let keys = try StaticSealStanza(currentKeyID: "a", currentKey: hex).load()
        #expect(keys.current.id == "a" && keys.current.material.count == 32)
        let base64 = Data(repeating: 7, count: 32).base64EncodedString()
        #expect(try StaticSealStanza(currentKeyID: "a", currentKey: "env://K").load(environment: ["K": base64]).current.material.count == 32)
        let file = NSTemporaryDirectory() + "coffer-seal-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data(repeating: 0x0A, count: 32).write(to: URL(fileURLWithPath: file))  // raw bytes, even newlines
        #expect(try StaticSealStanza(currentKeyID: "a", currentKey: "file://" + file).load().current.material.count == 32)
        let short = "0123456789abcdef"
        do {
            _ = try StaticSealStanza(currentKeyID: "a", currentKey: short).load()
            Issue.record("a 16-character key was accepted")
        } catch {
            #expect(!error.description.contains(short))
        }
    }
}
