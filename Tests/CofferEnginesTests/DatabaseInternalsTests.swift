@testable import CofferEngines
import CofferSDK
import Testing

@Suite("Database engine: error masking, records, allowed roles")
struct DatabaseInternalsTests {
    @Test func errorsNeverCarryTheSecretsOfTheCall() {
        let error = CofferError(.internalError, "syntax error at or near \"Xy-12abcDEF34ghIJ56kl\" for user admin-pw-9")
        let text = PostgresRunner.describe(error, secrets: ["Xy-12abcDEF34ghIJ56kl", "admin-pw-9"])
        #expect(!text.contains("Xy-12abcDEF34ghIJ56kl"))
        #expect(!text.contains("admin-pw-9"))
        #expect(text.contains("*****"))
        let long = PostgresRunner.describe(CofferError(.internalError, String(repeating: "x", count: 5000)), secrets: [])
        #expect(long.utf8.count < 1100)
    }

    @Test func allowedRolesAreGlobs() {
        var config = DatabaseConnectionConfig(name: "pg")
        #expect(!config.allows("anything"), "empty allows none, as Vault")
        config.allowedRoles = ["ci-*", "reader"]
        #expect(config.allows("ci-test") && config.allows("reader"))
        #expect(!config.allows("readers") && !config.allows("migrator"))
        config.allowedRoles = ["*"]
        #expect(config.allows("migrator"))
    }

    @Test func storedRecordsRoundTripAndReadsHideThePassword() throws {
        var config = DatabaseConnectionConfig(name: "pg")
        config.pluginName = DatabaseConnectionConfig.postgresPlugin
        config.connectionURL = "postgresql://{{username}}:{{password}}@h:5432/db"
        config.username = "admin"
        config.password = "hunter2-secret"
        config.allowedRoles = ["a"]
        config.maxConnectionLifetime = 30
        let back = try #require(DatabaseConnectionConfig(json: config.stored()))
        #expect(back.password == "hunter2-secret" && back.allowedRoles == ["a"] && back.maxConnectionLifetime == 30)
        #expect(!JSONWriter.string(.object(back.readData())).contains("hunter2-secret"))

        var role = DatabaseStaticRole(name: "app")
        role.username = "app_user"
        role.rotationPeriod = 60
        role.lastRotation = 1000
        role.password = "p"
        let stored = try #require(DatabaseStaticRole(json: role.stored()))
        #expect(stored.password == "p" && stored.lastRotation == 1000)
        #expect(stored.ttl(at: 1030) == 30)
        #expect(!stored.isDue(at: 1059) && stored.isDue(at: 1060))
        #expect(stored.ttl(at: 2000) == 0)
    }
}
