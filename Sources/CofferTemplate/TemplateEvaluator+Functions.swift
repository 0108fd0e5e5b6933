import CofferSDK
import Foundation

/// The functions Vault Agent templates use: Go's built-ins (`and`, `or`, `not`, `len`, `index`,
/// `print*`, comparisons) and consul-template's (`secret`, `env`, `toJSON`, base64 …).
extension TemplateEvaluator {
    static let functionNames: Set<String> = [
        "secret", "secrets", "env", "printf", "print", "println", "toJSON", "toJSONPretty", "parseJSON", "base64Encode", "base64Decode",
        "base64URLEncode", "base64URLDecode", "index", "len", "not", "and", "or", "eq", "ne", "lt", "le", "gt", "ge",
        "toUpper", "toLower", "trimSpace", "split", "join", "replaceAll", "contains",
    ]

    mutating func call(_ function: String, _ arguments: [TemplateArgument], piped: [TemplateValue], dot: TemplateValue, line: Int) throws(TemplateError) -> TemplateValue {
        guard Self.functionNames.contains(function) else { throw fail(line, "function \"\(function)\" not defined") }
        // and/or evaluate lazily and answer the deciding operand, as Go 1.18+ does.
        if function == "and" || function == "or" {
            let count = arguments.count + piped.count
            guard count >= 1 else { throw fail(line, "wrong number of args for \(function): want at least 1 got 0") }
            var last: TemplateValue = nil
            for position in 0..<count {
                last = position < arguments.count ? try argument(arguments[position], dot: dot, line: line) : piped[0]
                let truth = TemplateFormat.isTrue(last)
                if function == "and" ? !truth : truth { return last }
            }
            return last
        }
        var values = [TemplateValue]()
        for operand in arguments { values.append(try argument(operand, dot: dot, line: line)) }
        values += piped
        let result = try apply(function, values, line: line)
        // Strings built in variables (`$x = printf "%s%s" $x $x`) never reach the output
        // bound, so each result is held to it too.
        if case .string(let text)? = result, text.utf8.count > Template.maxOutput {
            throw fail(line, "\(function) produced more than \(Template.maxOutput) bytes")
        }
        return result
    }

    private func count(_ function: String, _ values: [TemplateValue], _ expected: Int, line: Int) throws(TemplateError) {
        guard values.count == expected else { throw fail(line, "wrong number of args for \(function): want \(expected) got \(values.count)") }
    }

    private func string(_ function: String, _ value: TemplateValue, line: Int) throws(TemplateError) -> String {
        guard case .string(let s)? = value else {
            throw fail(line, "error calling \(function): expected a string, got \(value.map(TemplateFormat.goType) ?? "<nil>")")
        }
        return s
    }

    private mutating func apply(_ function: String, _ values: [TemplateValue], line: Int) throws(TemplateError) -> TemplateValue {
        switch function {
        case "secret":
            guard !values.isEmpty else { throw fail(line, "wrong number of args for secret: want at least 1 got 0") }
            var parts = [String]()
            for value in values { parts.append(try string(function, value, line: line)) }
            return secret(SecretRequest(path: parts[0].trimmingCharacters(in: CharacterSet(charactersIn: "/")), data: Array(parts.dropFirst())), line: line)
        case "secrets":
            try count(function, values, 1, line: line)
            let path = try string(function, values[0], line: line).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            return secret(SecretRequest(path: path, isList: true), line: line)
        case "env":
            try count(function, values, 1, line: line)
            return .string(context.environment[try string(function, values[0], line: line)] ?? "")
        case "printf":
            guard !values.isEmpty else { throw fail(line, "wrong number of args for printf: want at least 1 got 0") }
            return .string(try TemplateFormat.sprintf(try string(function, values[0], line: line), Array(values.dropFirst()), name: name, line: line))
        case "print": return .string(TemplateFormat.sprint(values))
        case "println": return .string(values.map(TemplateFormat.plain).joined(separator: " ") + "\n")
        case "toJSON":
            try count(function, values, 1, line: line)
            return .string(TemplateFormat.json(values[0], indent: nil))
        case "toJSONPretty":
            try count(function, values, 1, line: line)
            return .string(TemplateFormat.json(values[0], indent: ""))
        case "parseJSON":
            try count(function, values, 1, line: line)
            let text = try string(function, values[0], line: line)
            guard !text.isEmpty else { return .object([:]) }
            do {
                return try JSONParser.parse(text)
            } catch {
                throw fail(line, "error calling parseJSON: \(error.description)")
            }
        case "base64Encode", "base64URLEncode":
            try count(function, values, 1, line: line)
            let encoded = Data(try string(function, values[0], line: line).utf8).base64EncodedString()
            return .string(function == "base64Encode" ? encoded : encoded.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_"))
        case "base64Decode", "base64URLDecode":
            try count(function, values, 1, line: line)
            var text = try string(function, values[0], line: line)
            if function == "base64URLDecode" { text = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") }
            guard let data = Data(base64Encoded: text) else { throw fail(line, "error calling \(function): illegal base64 data") }
            return .string(String(decoding: data, as: UTF8.self))
        case "index":
            guard !values.isEmpty else { throw fail(line, "wrong number of args for index: want at least 1 got 0") }
            return try index(values[0], Array(values.dropFirst()), line: line)
        case "len":
            try count(function, values, 1, line: line)
            switch values[0] {
            case .string(let s)?: return .int(Int64(s.utf8.count))
            case .array(let a)?: return .int(Int64(a.count))
            case .object(let o)?: return .int(Int64(o.count))
            case let other: throw fail(line, "error calling len: len of type \(other.map(TemplateFormat.goType) ?? "<nil>")")
            }
        case "not":
            try count(function, values, 1, line: line)
            return .bool(!TemplateFormat.isTrue(values[0]))
        case "eq":
            guard values.count >= 2 else { throw fail(line, "wrong number of args for eq: want at least 2 got \(values.count)") }
            for other in values.dropFirst() where try compare(values[0], other, line: line) == 0 { return .bool(true) }
            return .bool(false)
        case "ne", "lt", "le", "gt", "ge":
            try count(function, values, 2, line: line)
            let order = try compare(values[0], values[1], ordered: function != "ne", line: line)
            switch function {
            case "ne": return .bool(order != 0)
            case "lt": return .bool(order < 0)
            case "le": return .bool(order <= 0)
            case "gt": return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        case "toUpper", "toLower", "trimSpace":
            try count(function, values, 1, line: line)
            let text = try string(function, values[0], line: line)
            switch function {
            case "toUpper": return .string(text.uppercased())
            case "toLower": return .string(text.lowercased())
            default: return .string(text.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        case "split":
            try count(function, values, 2, line: line)
            let separator = try string(function, values[0], line: line)
            let text = try string(function, values[1], line: line)
            if text.isEmpty { return .array([]) }
            if separator.isEmpty { return .array(text.map { .string(String($0)) }) }
            return .array(text.components(separatedBy: separator).map { .string($0) })
        case "join":
            try count(function, values, 2, line: line)
            let separator = try string(function, values[0], line: line)
            guard case .array(let items)? = values[1] else { throw fail(line, "error calling join: expected a list") }
            return .string(items.map { TemplateFormat.plain($0) }.joined(separator: separator))
        case "replaceAll":
            try count(function, values, 3, line: line)
            let old = try string(function, values[0], line: line)
            let new = try string(function, values[1], line: line)
            let text = try string(function, values[2], line: line)
            return .string(old.isEmpty ? text : text.replacingOccurrences(of: old, with: new))
        case "contains":
            try count(function, values, 2, line: line)
            switch values[1] {
            case .array(let items)?: return .bool(items.contains { $0 == values[0] })
            case .string(let s)?: return .bool(s.contains(try string(function, values[0], line: line)))
            default: throw fail(line, "error calling contains: expected a list or string")
            }
        default:
            throw fail(line, "function \"\(function)\" not defined")
        }
    }

    private func index(_ item: TemplateValue, _ keys: [TemplateValue], line: Int) throws(TemplateError) -> TemplateValue {
        var value = item
        for key in keys {
            switch (value, key) {
            case (.object(let object)?, .string(let name)?):
                if let found = object[name] {
                    value = found
                } else if context.errorOnMissingKey {
                    throw fail(line, "error calling index: map has no entry for key \"\(name)\"")
                } else {
                    value = nil
                }
            case (.array(let items)?, .int(let position)?):
                guard position >= 0, position < Int64(items.count) else {
                    throw fail(line, "error calling index: index out of range: \(position)")
                }
                value = items[Int(position)]
            case (.string(let text)?, .int(let position)?):
                let bytes = Array(text.utf8)
                guard position >= 0, position < Int64(bytes.count) else {
                    throw fail(line, "error calling index: index out of range: \(position)")
                }
                value = .int(Int64(bytes[Int(position)]))
            case (nil, _), (.null?, _):
                throw fail(line, "error calling index: index of untyped nil")
            case (let container?, _):
                throw fail(line, "error calling index: cannot index \(TemplateFormat.goType(container)) with \(key.map(TemplateFormat.goType) ?? "nil")")
            }
        }
        return value
    }

    /// -1, 0 or 1; Go refuses to compare values of different kinds.
    private func compare(_ a: TemplateValue, _ b: TemplateValue, ordered: Bool = false, line: Int) throws(TemplateError) -> Int {
        switch (a, b) {
        case (.int(let x)?, .int(let y)?): return x < y ? -1 : (x == y ? 0 : 1)
        case (let x?, let y?) where x.doubleValue != nil && y.doubleValue != nil:
            let p = x.doubleValue!, q = y.doubleValue!
            return p < q ? -1 : (p == q ? 0 : 1)
        case (.string(let x)?, .string(let y)?):
            let p = Array(x.utf8), q = Array(y.utf8)
            return p == q ? 0 : (p.lexicographicallyPrecedes(q) ? -1 : 1)
        case (.bool(let x)?, .bool(let y)?) where !ordered: return x == y ? 0 : 1
        case (nil, nil), (.null?, .null?), (nil, .null?), (.null?, nil): 
            guard !ordered else { throw fail(line, "invalid type for comparison") }
            return 0
        case (nil, _), (_, nil), (.null?, _), (_, .null?):
            guard !ordered else { throw fail(line, "invalid type for comparison") }
            return 1
        default:
            if ordered || a.map(TemplateFormat.goType) != b.map(TemplateFormat.goType) {
                throw fail(line, "error calling comparison: incompatible types for comparison")
            }
            return a == b ? 0 : 1
        }
    }
}
