import CofferSDK
import CofferTesting
import Foundation
import Testing

/// The throwaway PostgreSQL that `scripts/test` starts, reached with `psql` so that every check
/// looks at the real effect inside the database, not at what coffer says about it.
struct TestPostgres: Sendable {
    /// Its superuser URL, from `COFFER_TEST_POSTGRES_URL`.
    static let url = ProcessInfo.processInfo.environment["COFFER_TEST_POSTGRES_URL"]
    /// Run unless there is no database and this is not CI: under CI a missing URL fails loudly.
    static let available = url != nil || ProcessInfo.processInfo.environment["CI"] == "true"

    let admin: URLComponents

    init() throws {
        let raw = try #require(Self.url, "COFFER_TEST_POSTGRES_URL is not set: scripts/test starts PostgreSQL and sets it")
        admin = try #require(URLComponents(string: raw))
    }

    var adminURL: String { admin.string! }
    var adminUser: String { admin.user ?? "" }
    var adminPassword: String { admin.password ?? "" }
    /// The URL template coffer is configured with (the admin's secrets come as fields).
    var template: String { "postgresql://{{username}}:{{password}}@\(admin.host!):\(admin.port!)\(admin.path)?sslmode=disable" }

    func url(user: String, password: String) -> String {
        var c = admin
        c.user = user
        c.password = password
        return c.string!
    }

    /// Runs `sql` through psql as `url`'s user; returns the exit status and the output.
    func psql(_ sql: String, as url: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = [url ?? adminURL, "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The one value `sql` returns, as the admin.
    func value(_ sql: String) throws -> String {
        let result = try psql(sql)
        #expect(result.status == 0, "\(sql): \(result.output)")
        return result.output
    }

    func roleExists(_ name: String) throws -> Bool {
        try value("SELECT count(*) FROM pg_roles WHERE rolname = '\(name.replacingOccurrences(of: "'", with: "''"))'") == "1"
    }

    func canLogIn(_ user: String, _ password: String) throws -> Bool {
        try psql("SELECT 1", as: url(user: user, password: password)).status == 0
    }
}

@Suite("Database engine against a real PostgreSQL", .enabled(if: TestPostgres.available, "no COFFER_TEST_POSTGRES_URL; run scripts/test"), .serialized)
struct DatabaseTests {
    static let readerStatements: JSONValue = [
        "CREATE ROLE \"{{name}}\" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';",
        "GRANT SELECT ON coffer_widgets TO \"{{name}}\";",
    ]

    /// Mounts the engine, creates a table to grant on, and configures connection `pg`.
    static func setUp(_ root: VaultHTTP, _ pg: TestPostgres, allowed: JSONValue = ["*"]) async throws {
        #expect(try await root.write("sys/mounts/database", ["type": "database"]).status == 204)
        _ = try pg.value("CREATE TABLE IF NOT EXISTS coffer_widgets(id int); INSERT INTO coffer_widgets SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM coffer_widgets)")
        let configured = try await root.write("database/config/pg", [
            "plugin_name": "postgresql-database-plugin", "connection_url": .string(pg.template),
            "username": .string(pg.adminUser), "password": .string(pg.adminPassword), "allowed_roles": allowed,
        ])
        #expect(configured.status == 204, "\(configured.text)")
    }

    static func creds(_ root: VaultHTTP, _ role: String) async throws -> (user: String, password: String, lease: String) {
        let read = try await root.read("database/creds/" + role)
        #expect(read.status == 200, "\(read.text)")
        let user = try #require(read.data?["username"]?.stringValue)
        let password = try #require(read.data?["password"]?.stringValue)
        let lease = try #require(read.json?.objectValue?["lease_id"]?.stringValue)
        return (user, password, lease)
    }

    static func leases(_ root: VaultHTTP, _ prefix: String) async throws -> [String] {
        try await root.list("sys/leases/lookup/" + prefix).data?["keys"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// Polls until `condition` holds or `seconds` pass.
    static func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return try await condition()
    }

    @Test("config never shows the password; a user is issued, logs in, reads what it was granted, renews, and is dropped on revoke")
    func dynamicLifecycle() async throws {
        let pg = try TestPostgres()
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        try await Self.setUp(root, pg, allowed: ["reader", "ci-*"])

        let config = try await root.read("database/config/pg")
        #expect(config.status == 200)
        #expect(!config.text.contains(pg.adminPassword))
        #expect(config.data?["plugin_name"] == "postgresql-database-plugin")
        #expect(config.data?["connection_details"]?.objectValue?["username"]?.stringValue == pg.adminUser)
        #expect(config.data?["allowed_roles"] == ["reader", "ci-*"])
        #expect(try await root.list("database/config").data?["keys"] == ["pg"])

        let role = try await root.write("database/roles/reader", [
            "db_name": "pg", "creation_statements": Self.readerStatements, "default_ttl": "1h", "max_ttl": "2h",
        ])
        #expect(role.status == 204, "\(role.text)")
        let readRole = try await root.read("database/roles/reader")
        #expect(readRole.data?["default_ttl"] == 3600)
        #expect(readRole.data?["creation_statements"]?.arrayValue?.count == 2)

        let (user, password, lease) = try await Self.creds(root, "reader")
        #expect(lease.hasPrefix("database/creds/reader/"))
        #expect(user.hasPrefix("v-root-reader-"))
        #expect(user.utf8.count <= 63)
        #expect(!server.standardError.contains(password), "the password never reaches the log")
        #expect(try pg.psql("SELECT count(*) FROM coffer_widgets", as: pg.url(user: user, password: password)) == (0, "1"))
        #expect(try pg.psql("INSERT INTO coffer_widgets VALUES (2)", as: pg.url(user: user, password: password)).status != 0)

        let renewed = try await root.write("sys/leases/renew", ["lease_id": .string(lease), "increment": "30m"])
        #expect(renewed.status == 200, "\(renewed.text)")
        #expect(renewed.json?.objectValue?["lease_duration"] == 1800)
        let validUntil = try pg.value("SELECT extract(epoch FROM rolvaliduntil - now())::int FROM pg_roles WHERE rolname = '\(user)'")
        #expect((1700...1810).contains(Int(validUntil) ?? 0), "renew statements moved VALID UNTIL: \(validUntil)")

        let capped = try await root.write("sys/leases/renew", ["lease_id": .string(lease), "increment": "10h"])
        #expect(capped.status == 200, "\(capped.text)")
        #expect((7190...7200).contains(capped.json?.objectValue?["lease_duration"]?.intValue ?? 0), "capped by max_ttl")
        let cappedUntil = try pg.value("SELECT extract(epoch FROM rolvaliduntil - now())::int FROM pg_roles WHERE rolname = '\(user)'")
        #expect((7100...7210).contains(Int(cappedUntil) ?? 0), "VALID UNTIL capped too: \(cappedUntil)")

        #expect(try await root.write("sys/leases/revoke", ["lease_id": .string(lease)]).status == 204)
        #expect(try !pg.roleExists(user))
        #expect(try !pg.canLogIn(user, password))

        // A role outside allowed_roles is refused before anything reaches the database.
        #expect(try await root.write("database/roles/other", ["db_name": "pg", "creation_statements": Self.readerStatements]).status == 204)
        let refused = try await root.read("database/creds/other")
        #expect(refused.status == 400)
        #expect(try await root.read("database/creds/missing").status == 400)
        try await server.stop()
    }

    @Test("revoke-prefix at the job's end, the asking token's revocation and TTL expiry drop the users")
    func prefixAndExpiry() async throws {
        let pg = try TestPostgres()
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        try await Self.setUp(root, pg)
        // The default revocation must remove a user that owns objects and holds grants.
        let statements: JSONValue = .string(
            "CREATE ROLE \"{{name}}\" LOGIN PASSWORD '{{password}}'; GRANT SELECT, INSERT ON coffer_widgets TO \"{{name}}\"; GRANT CREATE ON SCHEMA public TO \"{{name}}\"")
        #expect(try await root.write("database/roles/ci-test", ["db_name": "pg", "creation_statements": statements, "default_ttl": "1h"]).status == 204)
        #expect(try await root.write("database/roles/short", ["db_name": "pg", "creation_statements": statements, "default_ttl": "2s"]).status == 204)

        var issued = [(String, String)]()
        for _ in 0..<3 {
            let (user, password, _) = try await Self.creds(root, "ci-test")
            issued.append((user, password))
        }
        let owner = issued[0]
        #expect(try pg.psql("CREATE TABLE coffer_owned_\(Int.random(in: 0..<1_000_000)) (x int)", as: pg.url(user: owner.0, password: owner.1)).status == 0)
        #expect(try await Self.leases(root, "database/creds/ci-test/").count == 3)
        let revoked = try await root.write("sys/leases/revoke-prefix/database/creds/ci-test")
        #expect(revoked.status == 204, "\(revoked.text)")
        for (user, password) in issued {
            #expect(try !pg.roleExists(user), "\(user) is gone")
            #expect(try !pg.canLogIn(user, password))
        }
        #expect(try await Self.leases(root, "database/creds/ci-test/").isEmpty)

        // Revoking the token that asked takes its credentials with it.
        let created = try await root.write("auth/token/create", ["policies": ["root"], "ttl": "1h"])
        let child = VaultHTTP(address: server.address, token: try #require(created.json?.objectValue?["auth"]?.objectValue?["client_token"]?.stringValue))
        let owned = try await Self.creds(child, "ci-test")
        #expect(try pg.roleExists(owned.user))
        #expect(try await child.write("auth/token/revoke-self").status == 204)
        #expect(try await Self.eventually(10) { try !pg.roleExists(owned.user) }, "dropped with the token that asked for it")

        let (user, password, _) = try await Self.creds(root, "short")
        #expect(try pg.canLogIn(user, password))
        #expect(try await Self.eventually(10) { try !pg.roleExists(user) }, "dropped at TTL expiry")
        #expect(try !pg.canLogIn(user, password))
        #expect(try await Self.eventually(3) { try await Self.leases(root, "database/creds/short/").isEmpty })
        try await server.stop()
    }

    @Test("credentials issued before a restart are revoked after it; static roles keep and rotate their password across it")
    func acrossRestart() async throws {
        let pg = try TestPostgres()
        let directory = try TemporaryDirectory.make("coffer-db-")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let setup = try SQLiteTestServer(directory: directory)
        var server = try await setup.start()
        let (key, token) = try await SQLiteTestServer.initialise(server)
        var root = VaultHTTP(address: server.address, token: token)
        try await Self.setUp(root, pg)
        #expect(try await root.write("database/roles/brief", ["db_name": "pg", "creation_statements": Self.readerStatements, "default_ttl": "3s"]).status == 204)
        #expect(try await root.write("database/roles/job", ["db_name": "pg", "creation_statements": Self.readerStatements, "default_ttl": "1h"]).status == 204)
        let brief = try await Self.creds(root, "brief")
        let job = try await Self.creds(root, "job")

        let staticUser = "coffer_static_\(Int.random(in: 0..<1_000_000))"
        _ = try pg.value("CREATE ROLE \(staticUser) LOGIN PASSWORD 'initial'")
        defer { _ = try? pg.psql("DROP ROLE IF EXISTS \(staticUser)") }
        #expect(try await root.write("database/static-roles/app", ["db_name": "pg", "username": .string(staticUser), "rotation_period": "4s"]).status == 400)
        #expect(try await root.write("database/static-roles/app", ["db_name": "pg", "username": .string(staticUser), "rotation_period": "1h"]).status == 204)
        #expect(try !pg.canLogIn(staticUser, "initial"), "coffer took the password over at creation")
        let before = try #require(try await root.read("database/static-creds/app").data)
        let staticPassword = try #require(before["password"]?.stringValue)
        #expect(try pg.canLogIn(staticUser, staticPassword))
        #expect((3590...3600).contains(before["ttl"]?.intValue ?? 0))

        #expect(try await server.stop() == 0)
        try await Task.sleep(for: .seconds(4))
        server = try await setup.start()
        try await SQLiteTestServer.unseal(server, key: key)
        root = VaultHTTP(address: server.address, token: token)

        #expect(try await Self.eventually(10) { try !pg.roleExists(brief.user) }, "expired while the server was down, revoked after unseal")
        #expect(try !pg.canLogIn(brief.user, brief.password))
        #expect(try pg.canLogIn(job.user, job.password), "a lease still running is left alone")
        #expect(try await root.write("sys/leases/revoke-prefix/database/creds/job").status == 204)
        #expect(try !pg.roleExists(job.user))

        let after = try #require(try await root.read("database/static-creds/app").data)
        #expect(after["password"]?.stringValue == staticPassword, "the stored password survives the restart")
        #expect(try await root.write("database/rotate-role/app").status == 204)
        let rotated = try #require(try await root.read("database/static-creds/app").data?["password"]?.stringValue)
        #expect(rotated != staticPassword)
        #expect(try pg.canLogIn(staticUser, rotated))
        #expect(try !pg.canLogIn(staticUser, staticPassword))
        try await server.stop()
    }

    @Test("a static role's password rotates on schedule once its period has passed, read or not")
    func staticRotationPeriod() async throws {
        let pg = try TestPostgres()
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        try await Self.setUp(root, pg)
        let staticUser = "coffer_period_\(Int.random(in: 0..<1_000_000))"
        _ = try pg.value("CREATE ROLE \(staticUser) LOGIN PASSWORD 'initial'")
        defer { _ = try? pg.psql("DROP ROLE IF EXISTS \(staticUser)") }
        #expect(try await root.write("database/static-roles/fast", ["db_name": "pg", "username": .string(staticUser), "rotation_period": "5s"]).status == 204)
        let first = try #require(try await root.read("database/static-creds/fast").data?["password"]?.stringValue)
        // The core's scheduled pass rotates it on time with nobody reading it.
        let rotatedUnread = try await Self.eventually(12) { try !pg.canLogIn(staticUser, first) }
        #expect(rotatedUnread, "the password was rotated without a read")
        let second = try #require(try await root.read("database/static-creds/fast").data?["password"]?.stringValue)
        #expect(first != second)
        #expect(try pg.canLogIn(staticUser, second))
        #expect(try !pg.canLogIn(staticUser, first))
        #expect(try await root.read("database/static-roles/fast").data?["username"]?.stringValue == staticUser)
        try await server.stop()
    }

    @Test("failures: a bad connection is a 400 and not stored, an unreachable database a 500, half-made users are rolled back, failed revocations stay listed until they succeed")
    func failures() async throws {
        let pg = try TestPostgres()
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        try await Self.setUp(root, pg)

        let wrong = try await root.write("database/config/bad", [
            "plugin_name": "postgresql-database-plugin", "connection_url": .string(pg.template), "username": .string(pg.adminUser),
            "password": "not-the-password", "allowed_roles": "*",
        ])
        #expect(wrong.status == 400)
        #expect(!wrong.text.contains("not-the-password"))
        #expect(try await root.read("database/config/bad").status == 404)
        #expect(try await root.write("database/config/bad", ["plugin_name": "mysql-database-plugin", "connection_url": .string(pg.template)]).status == 400)

        // Nothing listens on port 1.
        let closed = try await root.write("database/config/down", [
            "plugin_name": "postgresql-database-plugin", "connection_url": "postgresql://{{username}}:{{password}}@127.0.0.1:1/postgres?sslmode=disable",
            "username": "u", "password": "p", "allowed_roles": "*", "verify_connection": false,
        ])
        #expect(closed.status == 204)
        #expect(try await root.write("database/roles/down", ["db_name": "down", "creation_statements": Self.readerStatements]).status == 204)
        let unreachable = try await root.read("database/creds/down")
        #expect(unreachable.status == 500)
        #expect(!unreachable.errors.isEmpty)
        #expect(try await Self.leases(root, "database/creds/down/").isEmpty)

        // The grant fails after the role was created: the transaction takes the role back, and
        // the rollback statements run.
        _ = try pg.value("CREATE TABLE IF NOT EXISTS coffer_rollback_log(name text)")
        let midway = try await root.write("database/roles/midway", [
            "db_name": "pg",
            "creation_statements": ["CREATE ROLE \"{{name}}\" LOGIN PASSWORD '{{password}}'", "GRANT SELECT ON no_such_table TO \"{{name}}\""],
            "rollback_statements": ["INSERT INTO coffer_rollback_log VALUES ('{{name}}')"],
        ])
        #expect(midway.status == 204)
        let failed = try await root.read("database/creds/midway")
        #expect(failed.status == 500)
        #expect(failed.errors.first?.contains("no_such_table") == true, "\(failed.text)")
        let rolledBack = try pg.value("SELECT name FROM coffer_rollback_log WHERE name LIKE 'v-root-midway-%' ORDER BY name DESC LIMIT 1")
        #expect(!rolledBack.isEmpty, "rollback statements ran")
        #expect(try !pg.roleExists(rolledBack), "nothing half-created")

        // A statement that hangs is cancelled by the server's statement_timeout: a 500 in about
        // ten seconds, and the user it had created is rolled back with it.
        #expect(try await root.write("database/roles/slow", [
            "db_name": "pg", "creation_statements": ["CREATE ROLE \"{{name}}\" LOGIN", "SELECT pg_sleep(60)"],
        ]).status == 204)
        let started = Date()
        let slow = try await root.read("database/creds/slow")
        #expect(slow.status == 500)
        #expect(slow.errors.first?.contains("statement timeout") == true, "\(slow.text)")
        #expect(Date().timeIntervalSince(started) < 14)
        #expect(try pg.value("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'v-root-slow-%'") == "0")

        // A revocation the database refuses stays listed, and succeeds once it can.
        #expect(try await root.write("database/roles/sticky", [
            "db_name": "pg", "creation_statements": Self.readerStatements, "revocation_statements": "SELECT no_such_function('{{name}}')",
        ]).status == 204)
        let sticky = try await Self.creds(root, "sticky")
        let refused = try await root.write("sys/leases/revoke-prefix/database/creds/sticky")
        #expect(refused.status >= 400)
        #expect(try pg.roleExists(sticky.user))
        #expect(try await Self.leases(root, "database/creds/sticky/").count == 1, "still listed in sys/leases")
        #expect(try await root.write("database/roles/sticky", ["revocation_statements": "DROP OWNED BY \"{{name}}\"; DROP ROLE \"{{name}}\""]).status == 204)
        #expect(try await Self.eventually(15) { try !pg.roleExists(sticky.user) }, "the retry with backoff succeeded")
        #expect(try await Self.eventually(3) { try await Self.leases(root, "database/creds/sticky/").isEmpty })
        try await server.stop()
    }

    @Test("rotate-root changes the connection user's password: the old one stops working and coffer keeps issuing")
    func rotateRoot() async throws {
        let pg = try TestPostgres()
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        #expect(try await root.write("sys/mounts/database", ["type": "database"]).status == 204)
        let admin = "coffer_root_\(Int.random(in: 0..<1_000_000))"
        _ = try pg.value("CREATE ROLE \(admin) LOGIN CREATEROLE PASSWORD 'first-password'")
        defer { _ = try? pg.psql("DROP ROLE IF EXISTS \(admin)") }
        #expect(try await root.write("database/config/own", [
            "plugin_name": "postgresql-database-plugin", "connection_url": .string(pg.template), "username": .string(admin),
            "password": "first-password", "allowed_roles": "*",
        ]).status == 204)
        #expect(try await root.write("database/rotate-root/own").status == 204)
        #expect(try !pg.canLogIn(admin, "first-password"))
        #expect(try await root.write("database/roles/plain", [
            "db_name": "own", "creation_statements": "CREATE ROLE \"{{name}}\" LOGIN PASSWORD '{{password}}'",
            "revocation_statements": "DROP ROLE \"{{name}}\"",
        ]).status == 204)
        let issued = try await Self.creds(root, "plain")
        #expect(try pg.canLogIn(issued.user, issued.password))
        #expect(try await root.write("sys/leases/revoke", ["lease_id": .string(issued.lease)]).status == 204)
        #expect(try !pg.roleExists(issued.user))
        #expect(try await root.write("database/reset/own").status == 204)
        #expect(try await root.delete("database/config/own").status == 204)
        #expect(try await root.read("database/config/own").status == 404)
        try await server.stop()
    }

    @Test("the CI seed flow through the command line: read database/creds/migrator, lease revoke -prefix at the end")
    func commandLineFlow() async throws {
        let pg = try TestPostgres()
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        try await Self.setUp(root, pg)
        let env = ["VAULT_ADDR": server.address, "VAULT_TOKEN": "root"]
        let role = try runCoffer([
            "write", "database/roles/migrator", "db_name=pg", "default_ttl=10m",
            "creation_statements=CREATE ROLE \"{{name}}\" LOGIN PASSWORD '{{password}}'; GRANT SELECT ON coffer_widgets TO \"{{name}}\";",
        ], environment: env)
        #expect(role.status == 0, "\(role.stderr)")
        let read = try runCoffer(["read", "-format=json", "database/creds/migrator"], environment: env)
        #expect(read.status == 0, "\(read.stderr)")
        let body = try #require(try JSONParser.parse(Array(read.stdout.utf8)).objectValue)
        let user = try #require(body["data"]?.objectValue?["username"]?.stringValue)
        let password = try #require(body["data"]?.objectValue?["password"]?.stringValue)
        #expect(body["lease_duration"] == 600)
        #expect(try pg.psql("SELECT count(*) FROM coffer_widgets", as: pg.url(user: user, password: password)) == (0, "1"))
        let revoked = try runCoffer(["lease", "revoke", "-prefix", "database/creds/migrator"], environment: env)
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(try !pg.roleExists(user))
        #expect(try !pg.canLogIn(user, password))
        try await server.stop()
    }

    @Test("names from requests never reach SQL unquoted: odd names work, names that would break out are refused")
    func quoting() async throws {
        let pg = try TestPostgres()
        let server = try await ServerProcess.startDev(arguments: ["-dev-root-token-id=root"])
        let root = VaultHTTP(address: server.address, token: "root")
        try await Self.setUp(root, pg)
        let odd = "coffer odd.Name-\(Int.random(in: 0..<1_000_000))"
        _ = try pg.value("CREATE ROLE \"\(odd)\" LOGIN PASSWORD 'initial'")
        defer { _ = try? pg.psql("DROP ROLE IF EXISTS \"\(odd)\"") }
        #expect(try await root.write("database/static-roles/odd", ["db_name": "pg", "username": .string(odd), "rotation_period": "1h"]).status == 204)
        let password = try #require(try await root.read("database/static-creds/odd").data?["password"]?.stringValue)
        #expect(try pg.canLogIn(odd, password), "the default rotation quoted the name")

        let hostile = "x\"; DROP TABLE coffer_widgets; --"
        #expect(try await root.write("database/static-roles/hostile", ["db_name": "pg", "username": .string(hostile), "rotation_period": "1h"]).status == 400)
        let template = try await root.write("database/config/pg", ["username_template": "{{.RoleName}}\"; DROP TABLE coffer_widgets; --"])
        #expect(template.status == 400)
        #expect(try pg.value("SELECT count(*) FROM coffer_widgets") == "1", "the table is still there")
        #expect(try await root.write("database/roles/bad name", ["db_name": "pg", "creation_statements": Self.readerStatements]).status == 400)
        try await server.stop()
    }
}
