@testable import CofferStorage
import CofferSDK
import NIOSSL
import PostgresNIO
import Testing

@Suite("PostgreSQL storage: Vault's key layout")
struct PostgresLayoutTests {
    @Test("keys split into parent_path, path and key as Vault stores them, and join back")
    func split() {
        let cases: [(String, String, String, String)] = [
            ("core/keyring", "/", "/core/", "keyring"),
            ("keyring", "", "/", "keyring"),
            ("logical/abc/app/db", "/logical/abc/", "/logical/abc/app/", "db"),
            ("sys/token/id/", "/sys/token/", "/sys/token/id/", ""),
        ]
        for (full, parent, path, key) in cases {
            let split = PostgresKey(full)
            #expect(split == PostgresKey(parentPath: parent, path: path, key: key), "\(full)")
            #expect(PostgresKey.full(path: split.path, key: split.key) == full)
        }
    }

    @Test("a group of batches becomes one statement with the last change to each key")
    func statement() throws {
        let writes: [StorageWrite] = [.put("a/x", [1]), .delete("a/x"), .put("a/y", [2]), .put("a/y", [3]), .delete("b")]
        let query = try PostgresCommitter.statement(table: "\"t\"", writes)
        #expect(query.sql.hasPrefix("WITH removed AS (DELETE FROM \"t\""))
        #expect(query.binds.count == 6)
        let onlyPuts = try PostgresCommitter.statement(table: "\"t\"", [.put("k", [1]), .put("k", [2])])
        #expect(onlyPuts.sql.hasPrefix("INSERT INTO \"t\"") && onlyPuts.binds.count == 4)
        let onlyDeletes = try PostgresCommitter.statement(table: "\"t\"", [.put("k", [1]), .delete("k")])
        #expect(onlyDeletes.sql.hasPrefix("DELETE FROM \"t\"") && onlyDeletes.binds.count == 2)
    }

    @Test("libpq's sslmode: which modes use TLS, which accept a server without it, and what they verify")
    func sslModes() throws {
        #expect(PostgresStorage.tlsSettings("disable") == nil)
        let expected: [(String, CertificateVerification, Bool)] = [
            ("allow", .none, true), ("prefer", .none, true), ("require", .none, false),
            ("verify-ca", .noHostnameVerification, false), ("verify-full", .fullVerification, false),
        ]
        for (mode, verification, preferred) in expected {
            let settings = try #require(PostgresStorage.tlsSettings(mode))
            #expect(settings.configuration.certificateVerification == verification, "\(mode)")
            #expect(settings.preferred == preferred, "\(mode)")
        }
    }
}
