import CofferHCL
import Testing

@Suite("HCL parser")
struct HCLParserTests {
    @Test("blocks, labels, attributes, lists, comments and heredocs")
    func fullDocument() throws {
        let body = try HCLParser.parse(
            """
            # a comment
            storage "sqlite" {
              path = "/var/lib/coffer/coffer.db" // trailing comment
            }
            /* block
               comment */
            listener "tcp" {
              address     = "127.0.0.1:8200"
              tls_disable = true
            }
            path "secret/data/*" {
              capabilities = ["read", "list",]
            }
            max_lease_ttl = "768h"
            ratio = 1.5
            nested = { a = 1, b = "two" }
            doc = <<EOF
            line one
            line two
            EOF
            """
        )
        #expect(body.items.count == 7)
        let storage = body.items[0]
        #expect(storage.key == "storage" && storage.labels == ["sqlite"] && storage.isBlock && storage.line == 2)
        guard case .object(let storageBody) = storage.value else { Issue.record("storage is not a block"); return }
        #expect(storageBody.items == [HCLItem(key: "path", value: .string("/var/lib/coffer/coffer.db"), line: 3)])
        let listener = body.items[1]
        #expect(listener.line == 7)
        guard case .object(let listenerBody) = listener.value else { Issue.record("listener is not a block"); return }
        #expect(listenerBody.items[1].value == .bool(true))
        guard case .object(let pathBody) = body.items[2].value else { Issue.record("path is not a block"); return }
        #expect(pathBody.items[0].value == .list([.string("read"), .string("list")]))
        #expect(body.items[3].value == .string("768h"))
        #expect(body.items[4].value == .number(1.5))
        guard case .object(let nested) = body.items[5].value else { Issue.record("nested is not an object"); return }
        #expect(nested.items.map(\.key) == ["a", "b"])
        #expect(body.items[6].value == .string("line one\nline two\n"))
    }

    @Test("escapes in strings")
    func escapes() throws {
        let body = try HCLParser.parse(#"s = "a\"b\\c\n\u0041""#)
        #expect(body.items[0].value == .string("a\"b\\c\nA"))
    }

    @Test("errors carry the line number", arguments: [
        ("a = \"unterminated\n", 1),
        ("ok = 1\nbad = [1, 2\n", 3),
        ("x {\n  y = 1\n", 3),
        ("\n\nvalue = bare\n", 3),
        ("a = 1\nb 2\n", 2),
    ])
    func errorLines(text: String, line: Int) {
        do {
            _ = try HCLParser.parse(text)
            Issue.record("expected a parse error")
        } catch {
            #expect(error.line == line, "\(error)")
        }
    }

    @Test("JSON documents read into the same shape")
    func json() throws {
        let body = try HCLBody.fromJSON(#"{"listener": {"tcp": {"address": "0.0.0.0:8200", "tls_disable": true}}, "ui": true}"#)
        #expect(body.items.map(\.key) == ["listener", "ui"])
        #expect(body.items[1].value == .bool(true))
        #expect(throws: HCLError.self) { try HCLBody.fromJSON("[1]") }
        #expect(throws: HCLError.self) { try HCLBody.fromJSON("{") }
    }

    @Test("nesting past the depth limit, oversized documents and infinite numbers are errors, not crashes")
    func limits() throws {
        for deep in [
            "a = " + String(repeating: "[", count: 100_000),
            String(repeating: "b {", count: 100_000),
            "a = " + String(repeating: "{ x = ", count: 100_000),
        ] {
            #expect(throws: HCLError.self) { try HCLParser.parse(deep) }
        }
        let fine = "a = " + String(repeating: "[", count: HCLParser.maxDepth) + String(repeating: "]", count: HCLParser.maxDepth)
        #expect(throws: Never.self) { try HCLParser.parse(fine) }
        #expect(throws: HCLError.self) { try HCLParser.parse("a = " + String(repeating: "[", count: HCLParser.maxDepth + 1) + String(repeating: "]", count: HCLParser.maxDepth + 1)) }
        #expect(throws: HCLError.self) { try HCLParser.parse("a = 1e999") }
        #expect(throws: HCLError.self) { try HCLParser.parse("a = \"" + String(repeating: "x", count: HCLParser.maxLength) + "\"") }
    }
}
