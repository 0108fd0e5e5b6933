import CofferSDK
import Foundation

/// How values print, as Go's `fmt` prints the decoded JSON consul-template hands templates:
/// maps as `map[k:v]` with sorted keys, lists as `[a b]`, "no value" as `<no value>`.
enum TemplateFormat {
    /// An action's output: `<no value>` for nil, else as `fmt.Print`.
    static func printed(_ value: TemplateValue) -> String {
        switch value {
        case nil, .null?: "<no value>"
        case let v?: plain(v)
        }
    }

    /// `fmt.Sprint` of one value.
    static func plain(_ value: TemplateValue) -> String {
        guard let value else { return "<nil>" }
        switch value {
        case .null: return "<nil>"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return number(d)
        case .string(let s): return s
        case .array(let items): return "[" + items.map { plain($0) }.joined(separator: " ") + "]"
        case .object(let object):
            return "map[" + sortedKeys(object).map { "\($0):\(plain(object[$0]))" }.joined(separator: " ") + "]"
        }
    }

    static func sortedKeys(_ object: JSONObject) -> [String] {
        object.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    static func number(_ d: Double) -> String {
        if d.rounded() == d, abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }

    /// Go's truth: false, 0, nil, and empty strings, lists and maps are false.
    static func isTrue(_ value: TemplateValue) -> Bool {
        guard let value else { return false }
        switch value {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object(let o): return !o.isEmpty
        }
    }

    /// The Go type name the value would have after `json.Unmarshal`, for error messages.
    static func goType(_ value: JSONValue) -> String {
        switch value {
        case .null: "<nil>"
        case .bool: "bool"
        case .int: "int"
        case .double: "float64"
        case .string: "string"
        case .array: "[]interface {}"
        case .object: "map[string]interface {}"
        }
    }

    /// `fmt.Sprint`: a space between operands when neither is a string.
    static func sprint(_ values: [TemplateValue]) -> String {
        var out = ""
        for (position, value) in values.enumerated() {
            let isString = { (v: TemplateValue) -> Bool in if case .string? = v { true } else { false } }
            if position > 0, !isString(value), !isString(values[position - 1]) { out += " " }
            out += plain(value)
        }
        return out
    }

    /// Go's `json.Marshal` (compact, `<>&` escaped) or `json.MarshalIndent(v, "", "  ")`.
    static func json(_ value: TemplateValue, indent: String?) -> String {
        var out = ""
        writeJSON(value ?? .null, indent: indent, into: &out)
        return out
    }

    private static func writeJSON(_ value: JSONValue, indent: String?, into out: inout String) {
        let inner = indent.map { $0 + "  " }
        switch value {
        case .array(let items):
            guard !items.isEmpty else { out += "[]"; return }
            out += "["
            for (position, item) in items.enumerated() {
                if position > 0 { out += "," }
                if let inner { out += "\n" + inner }
                writeJSON(item, indent: inner, into: &out)
            }
            if let indent { out += "\n" + indent }
            out += "]"
        case .object(let object):
            guard !object.isEmpty else { out += "{}"; return }
            out += "{"
            for (position, key) in sortedKeys(object).enumerated() {
                if position > 0 { out += "," }
                if let inner { out += "\n" + inner }
                out += quotedJSON(key) + (indent == nil ? ":" : ": ")
                writeJSON(object[key]!, indent: inner, into: &out)
            }
            if let indent { out += "\n" + indent }
            out += "}"
        case .string(let s): out += quotedJSON(s)
        default: out += JSONWriter.string(value)
        }
    }

    private static func quotedJSON(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<", ">", "&", "\u{2028}", "\u{2029}", "\u{0}"..."\u{1F}":
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Go's `strconv.Quote`, for `%q`.
    static func goQuoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0}"..."\u{1F}", "\u{7F}":
                out += "\\x" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// The widest field `printf` pads to: enough for any real template, small enough that a
    /// hostile width cannot exhaust memory.
    static let maxWidth = 65_536

    /// Go's `fmt.Sprintf` for the verbs templates use: `%s %v %d %q %t %f %e %g %x %X %o %b %c %%`
    /// with flags `-+ 0#`, width and precision.
    static func sprintf(_ format: String, _ arguments: [TemplateValue], name: String, line: Int) throws(TemplateError) -> String {
        let chars = Array(format.unicodeScalars)
        var out = ""
        var next = 0
        var position = 0
        while position < chars.count {
            let c = chars[position]
            position += 1
            guard c == "%" else { out.unicodeScalars.append(c); continue }
            var flags = Set<Unicode.Scalar>()
            while position < chars.count, "-+ 0#".unicodeScalars.contains(chars[position]) {
                flags.insert(chars[position])
                position += 1
            }
            func readNumber() throws(TemplateError) -> Int? {
                var digits = ""
                while position < chars.count, ("0"..."9").contains(chars[position]) {
                    digits.unicodeScalars.append(chars[position])
                    position += 1
                }
                guard !digits.isEmpty else { return nil }
                guard digits.count <= 6, let n = Int(digits), n <= maxWidth else {
                    throw TemplateError(name: name, line: line, message: "printf width or precision larger than \(maxWidth)")
                }
                return n
            }
            let width = try readNumber()
            var precision: Int?
            if position < chars.count, chars[position] == "." {
                position += 1
                precision = try readNumber() ?? 0
            }
            guard position < chars.count else { out += "%!(NOVERB)"; break }
            let verb = chars[position]
            position += 1
            if verb == "%" { out += "%"; continue }
            guard next < arguments.count else { out += "%!\(verb)(MISSING)"; continue }
            let argument = arguments[next]
            next += 1
            var text: String
            switch (verb, argument) {
            case ("v", _), ("s", .string?):
                text = plain(argument)
                if verb == "s", let precision { text = String(text.prefix(precision)) }
            case ("s", _): text = plain(argument)
            case ("q", .string(let s)?): text = goQuoted(s)
            case ("t", .bool(let b)?): text = b ? "true" : "false"
            case ("d", .int(let i)?): text = signed(String(i), flags)
            case ("d", .double(let d)?) where d.rounded() == d && abs(d) < 9e15: text = signed(String(Int64(d)), flags)
            case ("x", .int(let i)?), ("X", .int(let i)?), ("o", .int(let i)?), ("b", .int(let i)?):
                let radix = verb == "o" ? 8 : (verb == "b" ? 2 : 16)
                var digits = String(i.magnitude, radix: radix, uppercase: verb == "X")
                if flags.contains("#"), radix == 16 { digits = (verb == "X" ? "0X" : "0x") + digits }
                text = (i < 0 ? "-" : "") + digits
            case ("x", .string(let s)?), ("X", .string(let s)?):
                text = s.utf8.map { String(format: verb == "X" ? "%02X" : "%02x", $0) }.joined()
            case ("c", .int(let i)?):
                text = (UInt32(exactly: i).flatMap(Unicode.Scalar.init)).map { String(Character($0)) } ?? "\u{FFFD}"
            case ("f", _), ("F", _), ("e", _), ("g", _):
                guard let d = argument?.doubleValue else { text = "%!\(verb)(\(argument.map(goType) ?? "<nil>")=\(plain(argument)))"; break }
                let p = precision ?? (verb == "g" ? -1 : 6)
                switch verb {
                case "e": text = String(format: "%.\(p)e", d)
                case "g": text = p < 0 ? number(d) : String(format: "%.\(p)g", d)
                default: text = String(format: "%.\(p)f", d)
                }
                text = signed(text, flags)
            default:
                text = "%!\(verb)(\(argument.map(goType) ?? "<nil>")=\(plain(argument)))"
            }
            if let width, text.count < width {
                let padding = width - text.count
                if flags.contains("-") {
                    text += String(repeating: " ", count: padding)
                } else if flags.contains("0"), "dfeFgxXob".unicodeScalars.contains(verb) {
                    let negative = text.hasPrefix("-") || text.hasPrefix("+")
                    let sign = negative ? String(text.prefix(1)) : ""
                    text = sign + String(repeating: "0", count: padding) + text.dropFirst(sign.count)
                } else {
                    text = String(repeating: " ", count: padding) + text
                }
            }
            out += text
        }
        if next < arguments.count {
            out += "%!(EXTRA " + arguments[next...].map { "\($0.map(goType) ?? "<nil>")=\(plain($0))" }.joined(separator: ", ") + ")"
        }
        return out
    }

    private static func signed(_ text: String, _ flags: Set<Unicode.Scalar>) -> String {
        guard !text.hasPrefix("-") else { return text }
        if flags.contains("+") { return "+" + text }
        if flags.contains(" ") { return " " + text }
        return text
    }
}
