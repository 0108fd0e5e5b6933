/// A parser for the HCL that Vault's configuration and policy files use: attributes
/// (`key = value`), blocks with labels (`path "secret/*" { … }`), strings, numbers, booleans,
/// lists, objects, heredocs and the three comment styles. Hand-written because no Swift package
/// parses HCL.
public struct HCLParser {
    private let chars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private var column = 1
    private var depth = 0

    /// How deeply blocks, objects and lists may nest: real policies and configs use a handful of
    /// levels, and the parser recurses once per level, so a bound keeps hostile input off the stack's end.
    public static let maxDepth = 64
    /// The longest document accepted, in bytes: far beyond any real policy or configuration.
    public static let maxLength = 4 * 1024 * 1024

    /// Parses a whole document.
    public static func parse(_ text: String) throws(HCLError) -> HCLBody {
        guard text.utf8.count <= maxLength else {
            throw HCLError(line: 1, column: 1, message: "document is larger than \(maxLength) bytes")
        }
        var parser = HCLParser(chars: Array(text.unicodeScalars))
        let body = try parser.parseBody(closing: nil)
        return body
    }

    private init(chars: [Unicode.Scalar]) { self.chars = chars }

    private func error(_ message: String) -> HCLError { HCLError(line: line, column: column, message: message) }

    private var atEnd: Bool { index >= chars.count }
    private var current: Unicode.Scalar? { atEnd ? nil : chars[index] }
    private func peek(_ offset: Int) -> Unicode.Scalar? { index + offset < chars.count ? chars[index + offset] : nil }

    private mutating func advance() {
        guard !atEnd else { return }
        if chars[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    /// Skips spaces, newlines, commas between items, and comments.
    private mutating func skipTrivia(commas: Bool = false) throws(HCLError) {
        while let c = current {
            if c == " " || c == "\t" || c == "\n" || c == "\r" || (commas && c == ",") {
                advance()
            } else if c == "#" || (c == "/" && peek(1) == "/") {
                while let d = current, d != "\n" { advance() }
            } else if c == "/" && peek(1) == "*" {
                advance(); advance()
                while true {
                    guard let d = current else { throw error("unterminated comment") }
                    if d == "*" && peek(1) == "/" { advance(); advance(); break }
                    advance()
                }
            } else {
                return
            }
        }
    }

    /// Enters one level of nesting, refusing to go past `maxDepth`.
    private mutating func descend() throws(HCLError) {
        depth += 1
        guard depth <= Self.maxDepth else { throw error("nested more than \(Self.maxDepth) levels deep") }
    }

    private mutating func parseBody(closing: Unicode.Scalar?) throws(HCLError) -> HCLBody {
        if closing != nil { try descend() }
        defer { if closing != nil { depth -= 1 } }
        var body = HCLBody()
        while true {
            try skipTrivia(commas: true)
            guard let c = current else {
                if closing != nil { throw error("missing closing '}'") }
                return body
            }
            if let closing, c == closing {
                advance()
                return body
            }
            body.items.append(try parseItem())
        }
    }

    private mutating func parseKey() throws(HCLError) -> String {
        guard let c = current else { throw error("expected a key") }
        if c == "\"" { return try parseQuotedString() }
        guard isIdentifierStart(c) else { throw error("unexpected character '\(c)'") }
        var key = ""
        while let d = current, isIdentifierPart(d) {
            key.unicodeScalars.append(d)
            advance()
        }
        return key
    }

    private mutating func parseItem() throws(HCLError) -> HCLItem {
        let startLine = line
        let key = try parseKey()
        var labels = [String]()
        while true {
            try skipTrivia()
            guard let c = current else { throw error("expected '=' or '{' after \"\(key)\"") }
            if c == "=" || c == ":" {
                advance()
                try skipTrivia()
                let value = try parseValue()
                if !labels.isEmpty { throw HCLError(line: startLine, column: 1, message: "labels are only allowed on blocks") }
                return HCLItem(key: key, value: value, line: startLine)
            }
            if c == "{" {
                advance()
                let body = try parseBody(closing: "}")
                return HCLItem(key: key, labels: labels, value: .object(body), line: startLine, isBlock: true)
            }
            if c == "\"" || isIdentifierStart(c) {
                labels.append(try parseKey())
                continue
            }
            throw error("expected '=' or '{' after \"\(key)\"")
        }
    }

    private mutating func parseValue() throws(HCLError) -> HCLValue {
        guard let c = current else { throw error("expected a value") }
        switch c {
        case "\"": return .string(try parseQuotedString())
        case "<" where peek(1) == "<": return .string(try parseHeredoc())
        case "[": return try parseList()
        case "{":
            advance()
            return .object(try parseBody(closing: "}"))
        case "-", "0"..."9": return try parseNumber()
        default:
            guard isIdentifierStart(c) else { throw error("unexpected character '\(c)'") }
            let word = try parseKey()
            switch word {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: throw error("unexpected bare word \"\(word)\"; strings must be quoted")
            }
        }
    }

    private mutating func parseList() throws(HCLError) -> HCLValue {
        try descend()
        defer { depth -= 1 }
        advance()
        var items = [HCLValue]()
        while true {
            try skipTrivia()
            guard let c = current else { throw error("missing closing ']'") }
            if c == "]" {
                advance()
                return .list(items)
            }
            items.append(try parseValue())
            try skipTrivia()
            guard let d = current else { throw error("missing closing ']'") }
            if d == "," {
                advance()
            } else if d != "]" {
                throw error("expected ',' or ']' in list")
            }
        }
    }

    private mutating func parseNumber() throws(HCLError) -> HCLValue {
        var text = ""
        while let c = current, c == "-" || c == "+" || c == "." || c == "e" || c == "E" || ("0"..."9").contains(c) {
            text.unicodeScalars.append(c)
            advance()
        }
        guard let value = Double(text) else { throw error("invalid number \"\(text)\"") }
        guard value.isFinite else { throw error("number \"\(text)\" is out of range") }
        return .number(value)
    }

    private mutating func parseQuotedString() throws(HCLError) -> String {
        advance()
        var out = ""
        while true {
            guard let c = current, c != "\n" else { throw error("unterminated string") }
            advance()
            if c == "\"" { return out }
            if c == "\\" {
                guard let e = current else { throw error("unterminated string") }
                advance()
                switch e {
                case "n": out += "\n"
                case "t": out += "\t"
                case "r": out += "\r"
                case "\"": out += "\""
                case "\\": out += "\\"
                case "u":
                    var hex = ""
                    for _ in 0..<4 {
                        guard let h = current else { throw error("invalid unicode escape") }
                        hex.unicodeScalars.append(h)
                        advance()
                    }
                    guard let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) else { throw error("invalid unicode escape") }
                    out.unicodeScalars.append(scalar)
                default: throw error("invalid escape '\\\(e)'")
                }
            } else {
                out.unicodeScalars.append(c)
            }
        }
    }

    /// `<<EOF … EOF` and the indented `<<-EOF` form.
    private mutating func parseHeredoc() throws(HCLError) -> String {
        advance(); advance()
        var indented = false
        if current == "-" {
            indented = true
            advance()
        }
        var marker = ""
        while let c = current, isIdentifierPart(c) {
            marker.unicodeScalars.append(c)
            advance()
        }
        guard !marker.isEmpty else { throw error("heredoc needs a marker such as <<EOF") }
        while let c = current, c != "\n" {
            guard c == " " || c == "\t" || c == "\r" else { throw error("unexpected text after heredoc marker") }
            advance()
        }
        advance()
        var lines = [String]()
        var currentLine = ""
        while true {
            guard let c = current else { throw error("heredoc is missing its closing \(marker)") }
            advance()
            if c == "\n" {
                let trimmed = currentLine.trimmingWhitespace()
                if trimmed == marker { break }
                lines.append(currentLine)
                currentLine = ""
            } else {
                currentLine.unicodeScalars.append(c)
            }
            if atEnd, currentLine.trimmingWhitespace() == marker { break }
        }
        if indented {
            let indent = lines.filter { !$0.trimmingWhitespace().isEmpty }
                .map { $0.prefix { $0 == " " || $0 == "\t" }.count }.min() ?? 0
            lines = lines.map { String($0.dropFirst(min(indent, $0.count))) }
        }
        return lines.map { $0 + "\n" }.joined()
    }

    private func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_"
    }

    private func isIdentifierPart(_ c: Unicode.Scalar) -> Bool {
        isIdentifierStart(c) || ("0"..."9").contains(c) || c == "-" || c == "."
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
