import CofferEngines
import CofferSDK
import Testing

@Suite("Database engine: templating, quoting, passwords")
struct DatabaseTemplatingTests {
    // MARK: Statements

    @Test func statementsFromAListStayAsGiven() throws {
        let parsed = try DatabaseStatements.parse(["CREATE ROLE \"{{name}}\"", "GRANT SELECT ON t TO \"{{name}}\""], field: "creation_statements")
        #expect(parsed == ["CREATE ROLE \"{{name}}\"", "GRANT SELECT ON t TO \"{{name}}\""])
    }

    @Test func aSemicolonStringIsSplitAtRunTime() throws {
        let parsed = try DatabaseStatements.parse("CREATE ROLE \"{{name}}\"; GRANT SELECT, INSERT ON t TO \"{{name}}\";", field: "x")
        #expect(parsed.count == 1)
        let commands = DatabaseStatements.commands(parsed, ["name": "v-a"])
        #expect(commands == ["CREATE ROLE \"v-a\"", "GRANT SELECT, INSERT ON t TO \"v-a\""])
    }

    @Test func base64AndJSONStringsAreDecoded() throws {
        // "CREATE ROLE x;" in base64
        #expect(try DatabaseStatements.parse("Q1JFQVRFIFJPTEUgeDs=", field: "x") == ["CREATE ROLE x;"])
        #expect(try DatabaseStatements.parse(#"["A", "B"]"#, field: "x") == ["A", "B"])
    }

    @Test func dollarQuotedBlocksRunWhole() {
        let block = "DO $$ BEGIN CREATE ROLE \"{{name}}\"; GRANT r TO \"{{name}}\"; END $$"
        #expect(DatabaseStatements.split(block) == [block])
    }

    @Test func placeholdersAreRenderedAndUnknownOnesKept() {
        let out = DatabaseStatements.render(
            "CREATE ROLE \"{{name}}\" PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' {{other}} {{ username }}",
            ["name": "n", "username": "n", "password": "p", "expiration": "e"])
        #expect(out == "CREATE ROLE \"n\" PASSWORD 'p' VALID UNTIL 'e' {{other}} n")
    }

    @Test func badStatementFieldsAreRefused() {
        #expect(throws: CofferError.self) { try DatabaseStatements.parse(.int(3), field: "x") }
        #expect(throws: CofferError.self) { try DatabaseStatements.parse([.int(3)], field: "x") }
        let many = JSONValue.array(Array(repeating: "SELECT 1", count: 1000))
        #expect(throws: CofferError.self) { try DatabaseStatements.parse(many, field: "x") }
    }

    @Test func expirationUsesVaultsLayout() {
        #expect(DatabaseStatements.expiration(0) == "1970-01-01 00:00:00+0000")
        #expect(DatabaseStatements.expiration(1_700_000_000.7) == "2023-11-14 22:13:20+0000")
    }

    // MARK: Username templates

    let inputs = UsernameTemplate.Inputs(displayName: "approle-ci-pipeline", roleName: "migrator-readwrite", now: 1_700_000_000)

    @Test func theDefaultTemplateHasVaultsShape() throws {
        let name = try UsernameTemplate(UsernameTemplate.postgresDefault).render(inputs)
        let parts = name.split(separator: "-")
        #expect(name.hasPrefix("v-approle--migrator-"))
        #expect(name.hasSuffix("-1700000000"))
        #expect(parts.count == 5)
        #expect(parts[3].count == 20)
        #expect(parts[3].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        #expect(name.utf8.count <= 63)
    }

    @Test func theDefaultTemplateIsRandomPerCall() throws {
        let template = try UsernameTemplate(UsernameTemplate.postgresDefault)
        #expect(try template.render(inputs) != template.render(inputs))
    }

    @Test func pipelinesAndFunctions() throws {
        func render(_ source: String) throws -> String { try UsernameTemplate(source).render(inputs) }
        #expect(try render("{{.RoleName | uppercase}}") == "MIGRATOR-READWRITE")
        #expect(try render("{{ .DisplayName | replace \"-\" \"_\" | truncate 7 }}") == "approle")
        #expect(try render("x-{{unix_time}}-{{unix_time_millis}}") == "x-1700000000-1700000000000")
        #expect(try render("{{printf \"%s.%s\" .RoleName (.DisplayName | lowercase)}}") == "migrator-readwrite.approle-ci-pipeline")
        #expect(try render("{{ .RoleName | truncate_sha256 12 }}").count == 12)
        #expect(try render("{{ .RoleName | truncate_sha256 100 }}") == "migrator-readwrite")
        #expect(try render("{{ sha256 \"a\" }}") == "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb")
        #expect(try render("{{ base64 \"hi\" }}") == "aGk=")
        #expect(try render("{{timestamp \"2006-01-02\"}}") == "2023-11-14")
        #expect(try render("{{ uuid }}").count == 36)
        #expect(try render("{{- .RoleName -}}  tail") == "migrator-readwritetail")
    }

    @Test func badTemplatesAreRefusedWithA400() {
        for source in ["{{", "{{ .Nope }}", "{{ nope }}", "{{ random }}", "{{ random 99999999 }}", "{{ truncate \"x\" .RoleName }}",
                       "{{ (((((((((((((((((((.RoleName))))))))))))))))))) }}", "{{ \"unterminated }}", String(repeating: "a", count: 5000)]
        {
            #expect(throws: CofferError.self, "\(source)") { _ = try UsernameTemplate(source).render(inputs) }
        }
    }

    // MARK: Quoting

    @Test func identifiersAndLiteralsAreQuoted() {
        #expect(PostgresQuoting.identifier("plain") == "\"plain\"")
        #expect(PostgresQuoting.identifier("a\"; DROP TABLE x; --") == "\"a\"\"; DROP TABLE x; --\"")
        #expect(PostgresQuoting.literal("it's") == "E'it''s'")
        #expect(PostgresQuoting.literal("back\\slash'") == "E'back\\\\slash'''")
    }

    @Test func unsafeNamesAreRecognised() {
        #expect(PostgresQuoting.isSafeName("v-token-role-AbC123-1700000000"))
        #expect(PostgresQuoting.isSafeName("app.user@example"))
        for bad in ["", "a\"b", "a'b", "a;b", "a\\b", "a\u{0}b", "tab\tname", String(repeating: "x", count: 64)] {
            #expect(!PostgresQuoting.isSafeName(bad), "\(bad)")
        }
    }

    // MARK: Passwords

    @Test func passwordsFollowVaultsDefaultPolicy() {
        var seen = Set<String>()
        for _ in 0..<200 {
            let password = PasswordGenerator.generate()
            #expect(PasswordGenerator.satisfiesDefaultPolicy(Array(password.utf8)))
            seen.insert(password)
        }
        #expect(seen.count == 200)
        #expect(!PasswordGenerator.satisfiesDefaultPolicy(Array("aaaaaaaaaaaaaaaaaaaa".utf8)))
        #expect(!PasswordGenerator.satisfiesDefaultPolicy(Array("aA1-".utf8)))
        #expect(!PasswordGenerator.satisfiesDefaultPolicy(Array("aA1-aA1-aA1-aA1-aA1'".utf8)))
    }

    // MARK: Connection URLs

    @Test func urlPlaceholdersAreFilledFromTheConfiguration() throws {
        let url = try PostgresConnectionURL(
            template: "postgresql://{{username}}:{{password}}@db.internal:6543/app?sslmode=disable", username: "admin", password: "p@ss:w/rd")
        #expect(url.host == "db.internal")
        #expect(url.port == 6543)
        #expect(url.user == "admin")
        #expect(url.password == "p@ss:w/rd")
        #expect(url.database == "app")
        #expect(url.sslMode == "disable")
    }

    @Test func keyValueFormAndDefaults() throws {
        let url = try PostgresConnectionURL(template: "host=127.0.0.1 port=5433 user={{username}} password={{password}} dbname=x", username: "u", password: "p")
        #expect(url.host == "127.0.0.1" && url.port == 5433 && url.user == "u" && url.password == "p" && url.database == "x")
        #expect(url.sslMode == "prefer")
        let bare = try PostgresConnectionURL(template: "postgres://localhost", username: "u", password: "p")
        #expect(bare.port == 5432 && bare.user == "u" && bare.database == "u")
    }

    @Test func badURLsAreRefused() {
        for bad in ["mysql://x", "postgres://h:99999/db", "postgres://h:abc/db", "postgres://u@h/db?sslmode=bogus"] {
            #expect(throws: CofferError.self, "\(bad)") { try PostgresConnectionURL(template: bad, username: "u", password: "p") }
        }
    }

    @Test func aPasswordWrittenIntoTheURLIsMaskedOnRead() {
        #expect(PostgresConnectionURL.redacted("postgres://u:secret@h/db") == "postgres://u:*****@h/db")
        #expect(PostgresConnectionURL.redacted("postgres://{{username}}:{{password}}@h/db") == "postgres://{{username}}:{{password}}@h/db")
        #expect(PostgresConnectionURL.redacted("host=h password=secret") == "host=h password=*****")
    }
}
