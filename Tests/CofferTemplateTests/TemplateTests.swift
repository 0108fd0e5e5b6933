import CofferSDK
import CofferTemplate
import Testing

/// The template engine against the Go `text/template` semantics it copies; expected outputs are
/// what Go produces for the same template and data.
@Suite("Template engine")
struct TemplateTests {
    static let kv2 = SecretRequest(path: "secret/data/db")
    static let dbSecret = TemplateContext.secret(fromResponse: [
        "data": ["data": ["username": "app", "password": "hunter2", "port": 5432], "metadata": ["version": 3]],
        "lease_id": "", "lease_duration": 0, "renewable": false,
    ])

    func render(_ text: String, secrets: [SecretRequest: JSONValue] = [TemplateTests.kv2: TemplateTests.dbSecret], environment: [String: String] = [:], strict: Bool = false) throws -> String? {
        try Template(text, name: "t.tpl").render(TemplateContext(secrets: secrets, environment: environment, errorOnMissingKey: strict)).output
    }

    func failure(_ text: String, strict: Bool = false) -> TemplateError? {
        do {
            _ = try render(text, strict: strict)
            return nil
        } catch let error as TemplateError {
            return error
        } catch {
            return nil
        }
    }

    @Test("with secret reads KV v2 fields under .Data.data")
    func kv2Fields() throws {
        let text = """
            {{ with secret "secret/data/db" -}}
            DB_USER={{ .Data.data.username }}
            DB_PASS={{ .Data.data.password }}
            {{ end -}}
            """
        #expect(try render(text) == "DB_USER=app\nDB_PASS=hunter2\n")
    }

    @Test("whitespace trimming: {{- trims before, -}} trims after, and only with a space")
    func trimming() throws {
        #expect(try render("a  \n {{- \"b\" -}} \n  c") == "abc")
        #expect(try render("a {{ \"b\" }} c") == "a b c")
        #expect(try render("a \n{{- /* comment */ -}}\n b") == "ab")
        #expect(try render("x{{/* c */}}y") == "xy")
        #expect(try render("{{ -3 }}") == "-3")
        #expect(try render("1 {{- 2 }}") == "12")
    }

    @Test("a missing key prints <no value>; error_on_missing_key fails with the line")
    func missingKeys() throws {
        #expect(try render("{{ with secret \"secret/data/db\" }}{{ .Data.data.nope }}{{ end }}") == "<no value>")
        let error = failure("line1\n{{ with secret \"secret/data/db\" }}{{ .Data.data.nope }}{{ end }}", strict: true)
        #expect(error?.line == 2)
        #expect(error?.description == "template: t.tpl:2: map has no entry for key \"nope\"")
        // A field of a missing value is an error in Go too.
        #expect(failure("{{ with secret \"secret/data/db\" }}{{ .Data.data.nope.deeper }}{{ end }}")?.message == "nil pointer evaluating interface {}.deeper")
        #expect(failure("{{ with secret \"secret/data/db\" }}{{ .Data.data.username.x }}{{ end }}")?.message == "can't evaluate field x in type string")
    }

    @Test("range over maps goes by sorted key, over lists by index, with else for empty")
    func ranges() throws {
        let text = #"{{ with secret "secret/data/db" }}{{ range $k, $v := .Data.data }}{{ $k }}={{ $v }};{{ end }}{{ end }}"#
        #expect(try render(text) == "password=hunter2;port=5432;username=app;")
        let list = SecretRequest(path: "secret/list")
        let secrets: [SecretRequest: JSONValue] = [list: TemplateContext.secret(fromResponse: ["data": ["hosts": ["a", "b", "c"], "none": []]])]
        #expect(try render(#"{{ with secret "secret/list" }}{{ range $i, $h := .Data.hosts }}{{ if $i }},{{ end }}{{ $h }}{{ end }}{{ end }}"#, secrets: secrets) == "a,b,c")
        #expect(try render(#"{{ with secret "secret/list" }}{{ range .Data.none }}x{{ else }}empty{{ end }}{{ end }}"#, secrets: secrets) == "empty")
        #expect(try render(#"{{ with secret "secret/list" }}{{ range .Data.hosts }}[{{ . }}]{{ end }}{{ end }}"#, secrets: secrets) == "[a][b][c]")
        #expect(failure(#"{{ range "x" }}{{ end }}"#)?.message == "range can't iterate over string")
        #expect(try render("{{ range 3 }}{{ . }}{{ end }}") == "012")
        #expect(try render(#"{{ range $i, $e := split "," "a,b,c,d" }}{{ if eq $i 2 }}{{ break }}{{ end }}{{ $e }}{{ end }}"#) == "ab")
        #expect(try render(#"{{ range $i, $e := split "," "a,b,c" }}{{ if eq $i 1 }}{{ continue }}{{ end }}{{ $e }}{{ end }}"#) == "ac")
    }

    @Test("nested with and range, variables scoped to their block, $ is the root")
    func nesting() throws {
        let list = SecretRequest(path: "secret/list")
        let secrets: [SecretRequest: JSONValue] = [
            list: TemplateContext.secret(fromResponse: ["data": ["groups": ["x": ["a", "b"], "y": ["c"]]]]), Self.kv2: Self.dbSecret,
        ]
        let text = """
            {{- with secret "secret/list" }}{{ range $name, $members := .Data.groups }}
            {{ $name }}:{{ range $members }} {{ . }}{{ end }}{{ with secret "secret/data/db" }} ({{ .Data.data.username }}){{ end }}
            {{- end }}{{ end }}
            """
        #expect(try render(text, secrets: secrets) == "\nx: a b (app)\ny: c (app)")
        #expect(try render(#"{{ $x := "outer" }}{{ with "inner" }}{{ $x := . }}{{ $x }}{{ end }} {{ $x }}"#) == "inner outer")
        #expect(try render(#"{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ end }}{{ $x }}"#) == "2")
        #expect(failure(#"{{ with "a" }}{{ $y := 1 }}{{ end }}{{ $y }}"#)?.message == "undefined variable: $y")
    }

    @Test("if, else if, else and Go truthiness")
    func conditionals() throws {
        let text = #"{{ if eq (env "MODE") "prod" }}P{{ else if eq (env "MODE") "dev" }}D{{ else }}X{{ end }}"#
        #expect(try render(text, environment: ["MODE": "prod"]) == "P")
        #expect(try render(text, environment: ["MODE": "dev"]) == "D")
        #expect(try render(text) == "X")
        for (value, expected) in [("0", "F"), ("1", "T"), (#""""#, "F"), (#""a""#, "T"), ("false", "F"), ("(split \",\" \"\")", "F")] {
            #expect(try render("{{ if \(value) }}T{{ else }}F{{ end }}") == expected, "\(value)")
        }
        #expect(try render(#"{{ if and 1 "" }}T{{ else }}F{{ end }}{{ or 0 "x" }}{{ and 1 2 }}{{ not 0 }}"#) == "Fx2true")
        #expect(try render(#"{{ with secret "secret/data/db" }}{{ if gt .Data.data.port 1024 }}high{{ end }}{{ end }}"#) == "high")
        #expect(try render("{{ if lt 1 2 }}y{{ end }}{{ if ne \"a\" \"b\" }}z{{ end }}{{ if eq 3 1 2 3 }}w{{ end }}") == "yzw")
        #expect(failure(#"{{ if lt 1 "a" }}{{ end }}"#) != nil)
    }

    @Test("trimmed else branches and else-with chains, as Go parses them")
    func elseForms() throws {
        let text = """
            {{- with env "MISSING" -}}
              first {{ . }}
            {{- else with env "MODE" -}}
              second {{ . }}
            {{- else -}}
              none
            {{- end }}
            """
        #expect(try render(text, environment: ["MODE": "dev"]) == "second dev")
        #expect(try render(text, environment: ["MISSING": "x", "MODE": "dev"]) == "first x")
        #expect(try render(text) == "none")
        #expect(try render("{{ if false }}a{{ else if false }}b{{ else if true }}c{{ else }}d{{ end }}") == "c")
        #expect(try render(#"{{ range $i, $c := split "," "x,y" -}} {{ $i }}{{ $c }} {{- end }}"#) == "0x1y")
    }

    @Test("pipelines pass the value as the last argument")
    func pipelines() throws {
        #expect(try render(#"{{ "hello" | printf "%s world" }}"#) == "hello world")
        #expect(try render(#"{{ "a,b" | split "," | join "-" | toUpper }}"#) == "A-B")
        #expect(try render(#"{{ with secret "secret/data/db" }}{{ .Data.data.password | base64Encode }}{{ end }}"#) == "aHVudGVyMg==")
        #expect(try render(#"{{ "aHVudGVyMg==" | base64Decode }}"#) == "hunter2")
        #expect(try render(#"{{ (secret "secret/data/db").Data.data.username }}"#) == "app")
        #expect(failure(#"{{ "x" | "y" }}"#)?.message == #"can't give argument to non-function "y""#)
        #expect(failure(#"{{ nosuch 1 }}"#)?.message == "function \"nosuch\" not defined")
        #expect(failure("{{ \"aaa\" | base64Decode }}")?.message == "error calling base64Decode: illegal base64 data")
    }

    @Test("printf verbs, index, len, toJSON and toJSONPretty as Go formats them")
    func functions() throws {
        #expect(try render(#"{{ printf "%d|%5s|%-4s|%q|%v|%.2f|%x|%05d|%t|%%" 42 "ab" "c" "q\"" 3.5 2.0 255 -42 true }}"#) == "42|   ab|c   |\"q\\\"\"|3.5|2.00|ff|-0042|true|%")
        #expect(try render(#"{{ printf "%s %s" "a" }}"#) == "a %!s(MISSING)")
        #expect(try render(#"{{ with secret "secret/data/db" }}{{ index .Data.data "username" }}/{{ index .Data "data" "port" }}/{{ len .Data.data }}{{ end }}"#) == "app/5432/3")
        #expect(try render(#"{{ index (split "," "a,b") 1 }}"#) == "b")
        #expect(failure(#"{{ index (split "," "a,b") 5 }}"#)?.message == "error calling index: index out of range: 5")
        #expect(try render(#"{{ with secret "secret/data/db" }}{{ .Data.data | toJSON }}{{ end }}"#) == #"{"password":"hunter2","port":5432,"username":"app"}"#)
        #expect(try render(#"{{ "<a&b>" | toJSON }}"#) == #""\u003ca\u0026b\u003e""#)
        #expect(try render(#"{{ with secret "secret/data/db" }}{{ .Data.metadata | toJSONPretty }}{{ end }}"#) == "{\n  \"version\": 3\n}")
        #expect(try render(#"{{ split "," "a,b" | toJSONPretty }}"#) == "[\n  \"a\",\n  \"b\"\n]")
        #expect(try render(#"{{ with secret "secret/data/db" }}{{ .Data.data }}{{ end }}"#) == "map[password:hunter2 port:5432 username:app]")
        #expect(try render(#"{{ split "," "a,b" }} {{ print 1 2 "x" 3 }} {{ println "a" 1 }}"#) == "[a b] 1 2x3 a 1\n")
        #expect(try render(#"{{ env "HOME" }}|{{ env "UNSET" }}"#, environment: ["HOME": "/root"]) == "/root|")
        #expect(try render("{{ `raw \\n` }}") == "raw \\n")
    }

    @Test("secrets not yet fetched are reported as missing, with no output")
    func missingSecrets() throws {
        let template = try Template(#"{{ with secret "database/creds/app" }}{{ .Data.username }}{{ end }}{{ (secret "secret/data/x").Data.data.y }}"#, name: "m")
        let first = try template.render(TemplateContext())
        #expect(first.output == nil)
        #expect(first.missing.map(\.path) == ["database/creds/app", "secret/data/x"])
        #expect(first.lines[SecretRequest(path: "secret/data/x")] == 1)
        let creds = TemplateContext.secret(fromResponse: ["data": ["username": "v-app-1"], "lease_id": "database/creds/app/abc", "lease_duration": 60, "renewable": true])
        let x = TemplateContext.secret(fromResponse: ["data": ["data": ["y": "z"]]])
        let second = try template.render(TemplateContext(secrets: [SecretRequest(path: "database/creds/app"): creds, SecretRequest(path: "secret/data/x"): x]))
        #expect(second.output == "v-app-1z")
        #expect(second.missing.isEmpty)
        #expect(try render(#"{{ with secret "database/creds/app" }}{{ .LeaseID }} {{ .LeaseDuration }} {{ .Renewable }}{{ end }}"#, secrets: [SecretRequest(path: "database/creds/app"): creds]) == "database/creds/app/abc 60 true")
        let write = try Template(#"{{ with secret "pki/issue/web" "common_name=a.example" "ttl=1h" }}{{ end }}"#, name: "w").render(TemplateContext())
        #expect(write.missing == [SecretRequest(path: "pki/issue/web", data: ["common_name=a.example", "ttl=1h"])])
    }

    @Test("secrets lists keys, which range and secret can use together")
    func listing() throws {
        let list = SecretRequest(path: "secret/metadata/apps", isList: true)
        let template = try Template(#"{{ range secrets "secret/metadata/apps/" }}{{ . }}={{ with secret (printf "secret/data/apps/%s" .) }}{{ .Data.data.v }}{{ end }};{{ end }}"#, name: "l")
        let first = try template.render(TemplateContext())
        #expect(first.missing == [list])
        let keys = TemplateContext.keys(fromResponse: ["data": ["keys": ["b", "a"]]])
        let second = try template.render(TemplateContext(secrets: [list: keys]))
        #expect(second.missing.map(\.path) == ["secret/data/apps/a", "secret/data/apps/b"])
        let value = { (v: String) in TemplateContext.secret(fromResponse: ["data": ["data": ["v": .string(v)]]]) }
        let third = try template.render(TemplateContext(secrets: [list: keys, SecretRequest(path: "secret/data/apps/a"): value("1"), SecretRequest(path: "secret/data/apps/b"): value("2")]))
        #expect(third.output == "a=1;b=2;")
    }

    @Test("syntax errors name the template and line")
    func syntaxErrors() {
        func parseError(_ text: String) -> TemplateError? {
            do {
                _ = try Template(text, name: "db.env.tpl")
                return nil
            } catch {
                return error
            }
        }
        #expect(parseError("a\n{{ if true }}\nb")?.description == "template: db.env.tpl:3: unexpected EOF: {{if}} at line 2 has no {{end}}")
        #expect(parseError("{{ end }}")?.message == "unexpected {{end}}")
        #expect(parseError("a\n\n{{ .x ")?.line == 3)
        #expect(parseError("{{ \"unterminated }}")?.message == "unterminated quoted string")
        #expect(parseError("{{ }}")?.message == "missing value for command")
        #expect(parseError("{{ if }}{{ end }}")?.message == "missing value for if")
        #expect(parseError("{{ ( }}") != nil)
        #expect(parseError("{{ define \"x\" }}{{ end }}")?.message == "{{define}} is not supported")
        #expect(parseError("{{/* open")?.message == "unclosed comment")
    }

    @Test("depth, size and work are bounded")
    func bounds() {
        let deep = String(repeating: "{{ if true }}", count: 200) + String(repeating: "{{ end }}", count: 200)
        #expect(throws: TemplateError.self) { try Template(deep, name: "d") }
        let parens = "{{ " + String(repeating: "(", count: 500) + "1" + String(repeating: ")", count: 500) + " }}"
        #expect(throws: TemplateError.self) { try Template(parens, name: "p") }
        #expect(throws: TemplateError.self) { try Template(String(repeating: "x", count: Template.maxLength + 1), name: "big") }
        #expect(throws: TemplateError.self) { try Template("{{ range 100000 }}{{ range 100000 }}x{{ end }}{{ end }}", name: "loop").render(TemplateContext()) }
        #expect(throws: TemplateError.self) { try Template(#"{{ printf "%999999999d" 1 }}"#, name: "w").render(TemplateContext()) }
        // A string doubled in a variable never reaches the output, but is bounded all the same.
        #expect(throws: TemplateError.self) { try Template(#"{{ $x := "ab" }}{{ range 64 }}{{ $x = printf "%s%s" $x $x }}{{ end }}"#, name: "grow").render(TemplateContext()) }
    }
}
