import CofferHCL
import Foundation

/// `policy fmt FILE`: checks that a policy parses and rewrites it in canonical layout.
enum PolicyFormat {
    static func run(_ arguments: [String]) -> Int32 {
        guard let path = arguments.first else {
            Output.error("Usage: coffer policy fmt FILE")
            return 1
        }
        let data: Data
        do {
            data = try InputFile.read(path, what: "Error")
        } catch {
            Output.error("\(error)")
            return 1
        }
        let body: HCLBody
        do {
            body = try HCLParser.parse(String(decoding: data, as: UTF8.self))
        } catch {
            Output.error("Error formatting policy: \(path): \(error)")
            return 1
        }
        let text = render(body, indent: "") + "\n"
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            Output.error("Error writing \(path): \(error)")
            return 1
        }
        Output.out("Success! Formatted policy: \(path)")
        return 0
    }

    static func render(_ body: HCLBody, indent: String) -> String {
        let width = body.items.filter { !$0.isBlock }.map(\.key.count).max() ?? 0
        return body.items.map { item -> String in
            if item.isBlock, case .object(let inner) = item.value {
                let labels = item.labels.map { " \"\($0)\"" }.joined()
                return "\(indent)\(item.key)\(labels) {\n" + render(inner, indent: indent + "  ") + "\n\(indent)}"
            }
            return indent + item.key + String(repeating: " ", count: width - item.key.count) + " = " + value(item.value, indent: indent)
        }.joined(separator: item(body) ? "\n\n" : "\n")
    }

    private static func item(_ body: HCLBody) -> Bool { body.items.contains { $0.isBlock } }

    static func value(_ value: HCLValue, indent: String) -> String {
        switch value {
        case .string(let s): "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .number(let n): n.rounded() == n ? String(Int64(n)) : String(n)
        case .bool(let b): b ? "true" : "false"
        case .list(let items): "[" + items.map { self.value($0, indent: indent) }.joined(separator: ", ") + "]"
        case .object(let body): "{\n" + render(body, indent: indent + "  ") + "\n" + indent + "}"
        }
    }
}
