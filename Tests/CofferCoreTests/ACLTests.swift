@testable import CofferCore
import CofferSDK
import Testing

@Suite("ACL policies")
struct ACLTests {
    func acl(_ texts: String...) throws -> ACL {
        ACL(policies: try texts.enumerated().map { try Policy.parse(name: "p\($0.offset)", text: $0.element) })
    }

    func allowed(_ acl: ACL, _ path: String, _ op: CofferSDK.Operation, data: JSONObject = [:], wrap: Int64? = nil, sudo: Bool = false) -> Bool {
        (try? acl.authorize(path: path, operation: op, data: data, wrapTTL: wrap, sudo: sudo)) != nil
    }

    @Test("policy text: surrounding white space is ignored, an empty text refused, and JSON or base64 accepted")
    func policyText() throws {
        #expect(allowed(try acl("\n\t " + #"path "secret/*" { capabilities = ["read"] }"# + "  \r\n"), "secret/x", .read))
        #expect(allowed(try acl("  \n" + #"{"path": {"db/*": {"capabilities": ["update"]}}}"# + "\n"), "db/x", .update))
        #expect(allowed(try acl("\ncGF0aCAia3YvKiIgeyBjYXBhYmlsaXRpZXMgPSBbImxpc3QiXSB9\n"), "kv/", .list))
        for empty in ["", " \n\t\r\n ", "\u{2003}"] {
            let error = #expect(throws: CofferError.self) { try Policy.parse(name: "p", text: empty) }
            #expect(error?.messages == ["'policy' parameter not supplied or empty"])
        }
    }

    @Test("globs are prefixes; + is exactly one segment")
    func matching() throws {
        let a = try acl(#"path "secret/*" { capabilities = ["read"] }"#, #"path "team/+/config" { capabilities = ["read"] }"#)
        #expect(allowed(a, "secret/foo/bar", .read))
        #expect(allowed(a, "secret/", .read))
        #expect(!allowed(a, "secretx", .read))
        #expect(!allowed(a, "secret/foo", .update))
        #expect(allowed(a, "team/a/config", .read))
        #expect(!allowed(a, "team/a/b/config", .read))
        #expect(!allowed(a, "team//config", .read))
        #expect(!allowed(a, "other", .read))
    }

    @Test("the most specific path wins, by Vault's priority rules")
    func priority() throws {
        let a = try acl(
            #"""
            path "secret/*" { capabilities = ["read", "list"] }
            path "secret/data/app/*" { capabilities = ["create", "update"] }
            path "secret/data/app/admin" { capabilities = ["deny"] }
            """#)
        #expect(allowed(a, "secret/data/other", .read))
        #expect(!allowed(a, "secret/data/app/x", .read), "the longer glob wins and does not merge with the shorter")
        #expect(allowed(a, "secret/data/app/x", .update))
        #expect(!allowed(a, "secret/data/app/admin", .update), "deny on the exact path")
        let b = try acl(
            #"""
            path "secret/*" { capabilities = ["read"] }
            path "secret/+/app/shared" { capabilities = ["patch"] }
            path "secret/data/+/shared" { capabilities = ["delete"] }
            path "secret/data/+/+" { capabilities = ["list"] }
            """#)
        // The rule whose first wildcard comes latest wins; then fewer + segments.
        #expect(allowed(b, "secret/data/app/shared", .delete))
        #expect(!allowed(b, "secret/data/app/shared", .patch))
        #expect(!allowed(b, "secret/data/app/shared", .read))
        #expect(allowed(b, "secret/data/app/other", .list))
        #expect(allowed(b, "secret/kv/app/shared", .patch))
    }

    @Test("the same path in several policies merges, and deny wins")
    func merging() throws {
        let a = try acl(#"path "kv/x" { capabilities = ["read"] }"#, #"path "kv/x" { capabilities = ["update"] }"#)
        #expect(allowed(a, "kv/x", .read) && allowed(a, "kv/x", .update))
        let d = try acl(#"path "kv/x" { capabilities = ["read"] }"#, #"path "kv/x" { capabilities = ["deny"] }"#)
        #expect(!allowed(d, "kv/x", .read))
        #expect(d.capabilityNames("kv/x") == ["deny"])
        #expect(a.capabilityNames("kv/x") == ["read", "update"])
        #expect(a.capabilityNames("nothing") == ["deny"])
        #expect(ACL(policies: [Policy(name: "root", raw: "", rules: [])]).capabilityNames("x") == ["root"])
    }

    @Test("sudo paths need sudo as well")
    func sudo() throws {
        let a = try acl(#"path "sys/rotate" { capabilities = ["update"] }"#, #"path "sys/seal" { capabilities = ["update", "sudo"] }"#)
        #expect(!allowed(a, "sys/rotate", .update, sudo: true))
        #expect(allowed(a, "sys/seal", .update, sudo: true))
    }

    @Test("list requests match rules with or without the trailing slash")
    func listing() throws {
        let a = try acl(#"path "secret/metadata/app" { capabilities = ["list"] }"#)
        #expect(allowed(a, "secret/metadata/app/", .list))
        #expect(!allowed(a, "secret/metadata/app/", .read))
    }

    @Test("allowed, denied and required parameters")
    func parameters() throws {
        let a = try acl(
            #"""
            path "cfg/a" {
              capabilities = ["update"]
              allowed_parameters = { "name" = [], "env" = ["dev", "stage-*"] }
            }
            path "cfg/b" {
              capabilities = ["update"]
              denied_parameters = { "admin" = [] }
              required_parameters = ["owner"]
            }
            """#)
        #expect(allowed(a, "cfg/a", .update, data: ["name": "x", "env": "stage-2"]))
        #expect(!allowed(a, "cfg/a", .update, data: ["env": "prod"]))
        #expect(!allowed(a, "cfg/a", .update, data: ["other": 1]))
        #expect(allowed(a, "cfg/b", .update, data: ["owner": "me"]))
        #expect(!allowed(a, "cfg/b", .update, data: ["owner": "me", "admin": true]))
        #expect(!allowed(a, "cfg/b", .update, data: [:]))
    }

    @Test("wrapping TTL bounds: missing or out of range is refused")
    func wrapping() throws {
        let a = try acl(#"path "w" { capabilities = ["read"] min_wrapping_ttl = "1m" max_wrapping_ttl = "10m" }"#)
        #expect(!allowed(a, "w", .read))
        #expect(!allowed(a, "w", .read, wrap: 30))
        #expect(allowed(a, "w", .read, wrap: 300))
        #expect(!allowed(a, "w", .read, wrap: 3600))
    }

    @Test("invalid policies are 400s that name the line", arguments: [
        ("path \"a/*/b\" { capabilities = [\"read\"] }", "line 1"),
        ("\npath \"a\" {\n  capabilities = [\"reed\"]\n}", "line 3"),
        ("path \"a\" { capabilities = \"read\" }", "line 1"),
        ("\n\nbogus = 1", "line 3"),
        ("path \"a\" {", "line 1"),
        ("", "not supplied"),
    ])
    func invalid(text: String, mentions: String) {
        do {
            _ = try Policy.parse(name: "x", text: text)
            Issue.record("expected a parse error")
        } catch {
            #expect(error.code == .badRequest)
            #expect(error.messages.joined().contains(mentions), "\(error)")
        }
    }

    @Test("JSON policies and the legacy policy shorthand")
    func otherForms() throws {
        let json = try acl(#"{"path": {"secret/*": {"capabilities": ["read"]}}}"#)
        #expect(allowed(json, "secret/x", .read))
        let legacy = try acl(#"path "old/*" { policy = "write" }"#)
        #expect(allowed(legacy, "old/x", .update) && allowed(legacy, "old/x", .list))
    }
}
