import CofferSDK
import CofferTesting
import Foundation
import Testing

@Suite("sys/metrics: Vault's metric names, in Prometheus text and Vault's JSON")
struct MetricsTests {
    /// The value of the sample `name{labels}` in Prometheus text, labels given in any order.
    static func sample(_ text: String, _ name: String, _ labels: [String: String] = [:]) -> Double? {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            let series = line[..<space]
            let value = Double(line[line.index(after: space)...])
            var seriesName = Substring(series)
            var seriesLabels = [String: String]()
            if let brace = series.firstIndex(of: "{") {
                seriesName = series[..<brace]
                let inner = series[series.index(after: brace)..<series.index(before: series.endIndex)]
                for pair in inner.split(separator: ",") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    if parts.count == 2 { seriesLabels[String(parts[0])] = String(parts[1].dropFirst().dropLast()) }
                }
            }
            if seriesName == name, labels.allSatisfy({ seriesLabels[$0.key] == $0.value }) { return value }
        }
        return nil
    }

    @Test("a dev server: access control, request and route timers, token creation by method and TTL bucket, logins per role")
    func devServer() async throws {
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        let anonymous = VaultHTTP(address: server.address)

        // A token needs read on sys/metrics.
        #expect(try await anonymous.read("sys/metrics").status == 403)
        #expect(try await root.write("sys/policies/acl/metrics", ["policy": "path \"sys/metrics\" { capabilities = [\"read\"] }"]).status == 204)
        let reader = try #require(try await root.write("auth/token/create", ["policies": ["metrics"], "ttl": "30m"]).json?.objectValue?["auth"]?.objectValue?["client_token"]?.stringValue)
        let plain = try #require(try await root.write("auth/token/create", ["policies": ["default"], "ttl": "30m", "type": "batch"]).json?.objectValue?["auth"]?.objectValue?["client_token"]?.stringValue)
        #expect(try await VaultHTTP(address: server.address, token: plain).read("sys/metrics").status == 403)
        let metrics = VaultHTTP(address: server.address, token: reader)
        #expect(try await metrics.read("sys/metrics?format=json").errors == ["metric response format \"json\" unknown"])

        // Logins through AppRole: one that works, one with a wrong secret id.
        #expect(try await root.write("sys/auth/approle", ["type": "approle"]).status == 204)
        #expect(try await root.write("auth/approle/role/ci", ["token_ttl": "5m", "token_type": "batch"]).status == 204)
        let roleID = try #require(try await root.read("auth/approle/role/ci/role-id").data?["role_id"]?.stringValue)
        let secretID = try #require(try await root.write("auth/approle/role/ci/secret-id").data?["secret_id"]?.stringValue)
        #expect(try await anonymous.write("auth/approle/login", ["role_id": .string(roleID), "secret_id": .string(secretID)]).status == 200)
        #expect(try await anonymous.write("auth/approle/login", ["role_id": .string(roleID), "secret_id": "wrong"]).status != 200)
        for _ in 0..<3 { _ = try await root.read("secret/data/missing") }

        let prometheus = try await metrics.read("sys/metrics?format=prometheus")
        #expect(prometheus.status == 200)
        #expect(prometheus.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        let text = prometheus.text
        #expect(text.contains("# TYPE vault_core_handle_request histogram"))
        #expect((Self.sample(text, "vault_core_handle_request_count") ?? 0) >= 10)
        #expect(Self.sample(text, "vault_route_read_secret__count") == 3)
        #expect(Self.sample(text, "vault_core_handle_login_request_count") == 2)
        // The two service tokens of 30 minutes fall in Vault's 1h bucket, the AppRole batch token in 10m.
        #expect(Self.sample(text, "vault_token_creation", ["auth_method": "token", "mount_point": "auth/token/", "creation_ttl": "1h", "token_type": "service"]) == 1)
        #expect(Self.sample(text, "vault_token_creation", ["auth_method": "token", "creation_ttl": "1h", "token_type": "batch"]) == 1)
        #expect(Self.sample(text, "vault_token_creation", ["auth_method": "approle", "mount_point": "auth/approle/", "creation_ttl": "10m", "token_type": "batch"]) == 1)
        #expect(Self.sample(text, "vault_core_login", ["auth_method": "approle", "role": "ci", "outcome": "success"]) == 1)
        #expect(Self.sample(text, "vault_core_login", ["auth_method": "approle", "outcome": "failure"]) == 1)
        #expect((Self.sample(text, "vault_barrier_get_count") ?? 0) > 0 && Self.sample(text, "vault_inmem_put_count") == nil)
        #expect(Self.sample(text, "vault_core_unsealed") == 1)

        // The same figures in Vault's JSON shape.
        let json = try #require(try await metrics.read("sys/metrics").json?.objectValue)
        #expect(Set(json.keys) == ["Timestamp", "Gauges", "Points", "Counters", "Samples"])
        let samples = json["Samples"]?.arrayValue?.compactMap(\.objectValue) ?? []
        let route = try #require(samples.first { $0["Name"] == "vault.route.read.secret-" })
        #expect(route["Count"] == 3 && route["Labels"] == [:])
        #expect((route["Mean"]?.doubleValue ?? -1) > 0 && (route["Max"]?.doubleValue ?? 0) >= (route["Min"]?.doubleValue ?? 1))
        let counters = json["Counters"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(counters.contains { $0["Name"] == "vault.token.creation" && $0["Labels"]?.objectValue?["auth_method"] == "approle" && $0["Count"] == 1 })
        let gauges = json["Gauges"]?.arrayValue?.compactMap(\.objectValue) ?? []
        #expect(gauges.contains { $0["Name"] == "vault.core.unsealed" && $0["Value"] == 1 })
        try await server.stop()
    }

    @Test("the telemetry stanza: usage gauges on their period, audit timings, unauthenticated access, Prometheus off without retention")
    func configured() async throws {
        let directory = try TemporaryDirectory.make("coffer-metrics-")
        let logs = try TemporaryDirectory.make("coffer-metrics-audit-")
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: logs)
        }
        let config = directory + "/server.hcl"
        try """
            storage "sqlite" { path = "\(directory)/coffer.db" }
            listener "tcp" {
              address     = "127.0.0.1:0"
              tls_disable = true
              telemetry {
                unauthenticated_metrics_access = true
              }
            }
            telemetry {
              prometheus_retention_time = "1h"
              disable_hostname          = true
              usage_gauge_period        = "1s"
            }
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let server = try await ServerProcess.start(configPath: config)
        let anonymous = VaultHTTP(address: server.address)
        // Unauthenticated access works even while sealed: the state is what operators watch.
        let sealed = try await anonymous.read("sys/metrics?format=prometheus")
        #expect(sealed.status == 200 && Self.sample(sealed.text, "vault_core_unsealed") == 0)

        let (_, token) = try await SQLiteTestServer.initialise(server)
        let root = VaultHTTP(address: server.address, token: token)
        #expect(try await root.write("sys/mounts/secret", ["type": "kv", "options": ["version": "2"]]).status == 204)
        #expect(try await root.write("sys/mounts/kv1", ["type": "kv"]).status == 204)
        for name in ["a", "b", "c/d"] { #expect(try await root.write("secret/data/\(name)", ["data": ["v": "1"]]).status == 200) }
        #expect(try await root.write("kv1/x", ["v": "1"]).status == 204)
        #expect(try await root.write("sys/audit/file", ["type": "file", "options": ["file_path": .string(logs + "/audit.log")]]).status == 204)
        for _ in 0..<2 { _ = try await root.read("secret/data/a") }
        _ = try await root.write("auth/token/create", ["ttl": "90s"])

        // The gauges that count things catch up within their one-second period.
        var text = ""
        let deadline = Date().addingTimeInterval(10)
        repeat {
            try await Task.sleep(for: .milliseconds(300))
            text = try await anonymous.read("sys/metrics?format=prometheus").text
        } while (Self.sample(text, "vault_secret_kv_count", ["mount_point": "secret/"]) != 3 || Self.sample(text, "vault_expire_num_leases") != 1
            || Self.sample(text, "vault_expire_leases_by_mount", ["mount_point": "auth/token/"]) != 1) && Date() < deadline
        #expect(Self.sample(text, "vault_secret_kv_count", ["mount_point": "secret/"]) == 3)
        #expect(Self.sample(text, "vault_secret_kv_count", ["mount_point": "kv1/"]) == 1)
        #expect(Self.sample(text, "vault_expire_leases_by_mount", ["mount_point": "auth/token/"]) == 1)
        #expect((Self.sample(text, "vault_expire_num_leases") ?? 0) >= 1)
        #expect((Self.sample(text, "vault_token_count") ?? 0) >= 2)
        // Each audited request writes a request and a response entry, timed.
        #expect((Self.sample(text, "vault_audit_log_request_count") ?? 0) >= 3)
        #expect((Self.sample(text, "vault_audit_log_response_count") ?? 0) >= 3)
        #expect(Self.sample(text, "vault_audit_log_request_failure") == 0)
        #expect((Self.sample(text, "vault_sqlite_put_count") ?? 0) > 0)
        try await server.stop()
    }

    @Test("without a telemetry stanza, Prometheus is off as in Vault, and the JSON summary still answers")
    func prometheusOff() async throws {
        let directory = try TemporaryDirectory.make("coffer-metrics-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let plain = try SQLiteTestServer(directory: directory)
        let server = try await plain.start()
        let (_, token) = try await SQLiteTestServer.initialise(server)
        let root = VaultHTTP(address: server.address, token: token)
        let refused = try await root.read("sys/metrics?format=prometheus")
        #expect(refused.status == 400 && refused.errors == ["prometheus is not enabled"])
        #expect(try await root.read("sys/metrics").json?.objectValue?["Samples"]?.arrayValue?.isEmpty == false)
        try await server.stop()
    }
}
