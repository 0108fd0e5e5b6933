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
        ("storage \"inmem\" {}\nlistener \"tcp\" { tls_disable = true }\ntelemetry {}\n", "bad.hcl:3"),
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

    @Test("every file in config/ loads", arguments: ["coffer.hcl", "coffer.json", "tls.hcl"])
    func loads(name: String) throws {
        let config = try ServerConfig.load(path: Self.configDirectory.appendingPathComponent(name).path)
        #expect(config.storage == .sqlite(path: "coffer.db"))
        #expect(!config.listeners.isEmpty)
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
}
