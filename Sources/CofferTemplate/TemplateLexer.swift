/// Splits template text into tokens with Go's `text/template` rules: actions between `{{` and
/// `}}`, `{{-` and `-}}` (with a space) trimming the whitespace beside them, and `{{/* … */}}`
/// comments.
struct TemplateLexer {
    private let bytes: [UInt8]
    private let name: String
    private var index = 0
    private var line = 1
    private var tokens: [LocatedToken] = []

    init(_ text: String, name: String) {
        bytes = Array(text.utf8)
        self.name = name
    }

    private func fail(_ message: String) -> TemplateError { TemplateError(name: name, line: line, message: message) }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
    private static func isLetter(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == 0x5F || b >= 0x80 }
    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    private func at(_ offset: Int) -> UInt8? { index + offset < bytes.count ? bytes[index + offset] : nil }
    private func starts(with text: String, at position: Int) -> Bool {
        let needle = Array(text.utf8)
        guard position + needle.count <= bytes.count else { return false }
        return bytes[position..<(position + needle.count)].elementsEqual(needle)
    }

    private mutating func advance(_ count: Int = 1) {
        for _ in 0..<count where index < bytes.count {
            if bytes[index] == 0x0A { line += 1 }
            index += 1
        }
    }

    /// The line the text ends on, for errors at the end of input.
    var endLine: Int { line }

    /// Every token of the template.
    mutating func tokenize() throws(TemplateError) -> [LocatedToken] {
        var trimNextText = false
        while index < bytes.count {
            // Text up to the next `{{`.
            var end = index
            while end < bytes.count, !(bytes[end] == 0x7B && end + 1 < bytes.count && bytes[end + 1] == 0x7B) { end += 1 }
            var text = bytes[index..<end]
            let textLine = line
            var trimLeft = false
            if end < bytes.count, end + 3 < bytes.count, bytes[end + 2] == 0x2D, Self.isSpace(bytes[end + 3]) { trimLeft = true }
            if trimNextText { while let first = text.first, Self.isSpace(first) { text = text.dropFirst() } }
            if trimLeft { while let last = text.last, Self.isSpace(last) { text = text.dropLast() } }
            if !text.isEmpty { tokens.append(LocatedToken(token: .text(String(decoding: text, as: UTF8.self)), line: textLine)) }
            advance(end - index)
            trimNextText = false
            guard index < bytes.count else { break }
            advance(trimLeft ? 4 : 2)
            trimNextText = try lexAction()
        }
        return tokens
    }

    /// Lexes one action after its `{{`; returns true when it ended with `-}}`.
    private mutating func lexAction() throws(TemplateError) -> Bool {
        let startLine = line
        // A comment must follow the delimiter directly.
        if starts(with: "/*", at: index) {
            advance(2)
            while !starts(with: "*/", at: index) {
                guard index < bytes.count else { throw TemplateError(name: name, line: startLine, message: "unclosed comment") }
                advance()
            }
            advance(2)
            if starts(with: " -}}", at: index) {
                advance(4)
                return true
            }
            guard starts(with: "}}", at: index) else { throw fail("comment ends before closing delimiter") }
            advance(2)
            return false
        }
        tokens.append(LocatedToken(token: .leftDelim, line: line))
        var spaced = true
        while true {
            guard let c = at(0) else { throw TemplateError(name: name, line: startLine, message: "unclosed action") }
            if Self.isSpace(c) {
                advance()
                spaced = true
                if at(0) == 0x2D, at(1) == 0x7D, at(2) == 0x7D {
                    tokens.append(LocatedToken(token: .rightDelim, line: line))
                    advance(3)
                    return true
                }
                continue
            }
            if c == 0x7D, at(1) == 0x7D {
                tokens.append(LocatedToken(token: .rightDelim, line: line))
                advance(2)
                return false
            }
            let tokenLine = line
            let token: TemplateToken
            switch c {
            case 0x7C: token = .pipe; advance()
            case 0x28: token = .leftParen; advance()
            case 0x29: token = .rightParen; advance()
            case 0x2C: token = .comma; advance()
            case 0x3D: token = .assign; advance()
            case 0x3A:
                guard at(1) == 0x3D else { throw fail("expected :=") }
                token = .declare
                advance(2)
            case 0x22: token = .string(try quoted())
            case 0x60: token = .string(try raw())
            case 0x24:
                advance()
                token = .variable("$" + word())
            case 0x2E:
                if let next = at(1), Self.isLetter(next) {
                    advance()
                    token = .field(word())
                } else if let next = at(1), Self.isDigit(next) {
                    token = try number()
                } else {
                    advance()
                    token = .dot
                }
            case 0x2D, 0x2B, 0x30...0x39: token = try number()
            default:
                guard Self.isLetter(c) else { throw fail("unexpected \"\(Character(Unicode.Scalar(c)))\" in command") }
                let w = word()
                switch w {
                case "true": token = .bool(true)
                case "false": token = .bool(false)
                case "nil": token = .nilLiteral
                default: token = .identifier(w)
                }
            }
            tokens.append(LocatedToken(token: token, line: tokenLine, spaceBefore: spaced))
            spaced = false
        }
    }

    private mutating func word() -> String {
        let start = index
        while let c = at(0), Self.isLetter(c) || Self.isDigit(c) { advance() }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func number() throws(TemplateError) -> TemplateToken {
        let start = index
        if at(0) == 0x2D || at(0) == 0x2B { advance() }
        while let c = at(0), Self.isDigit(c) || Self.isLetter(c) || c == 0x2E || ((c == 0x2D || c == 0x2B) && (bytes[index - 1] | 0x20) == 0x65) { advance() }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        let unsigned = text.hasPrefix("-") || text.hasPrefix("+") ? String(text.dropFirst()) : text
        let negative = text.hasPrefix("-")
        if unsigned.hasPrefix("0x") || unsigned.hasPrefix("0X"), let v = Int64(unsigned.dropFirst(2), radix: 16) {
            return .int(negative ? -v : v)
        }
        if let v = Int64(text) { return .int(v) }
        if let d = Double(text), d.isFinite, !unsigned.contains(where: { $0.isLetter && $0 != "e" && $0 != "E" }) { return .double(d) }
        throw fail("bad number syntax: \"\(text.prefix(40))\"")
    }

    private mutating func quoted() throws(TemplateError) -> String {
        advance()
        var out = [UInt8]()
        while true {
            guard let c = at(0), c != 0x0A else { throw fail("unterminated quoted string") }
            advance()
            if c == 0x22 { break }
            guard c == 0x5C else {
                out.append(c)
                continue
            }
            guard let e = at(0) else { throw fail("unterminated quoted string") }
            advance()
            switch e {
            case 0x6E: out.append(0x0A)
            case 0x74: out.append(0x09)
            case 0x72: out.append(0x0D)
            case 0x5C, 0x22, 0x27: out.append(e)
            case 0x61: out.append(0x07)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x76: out.append(0x0B)
            case 0x30: out.append(0)
            case 0x78, 0x75, 0x55:
                let count = e == 0x78 ? 2 : (e == 0x75 ? 4 : 8)
                guard index + count <= bytes.count,
                    let value = UInt32(String(decoding: bytes[index..<(index + count)], as: UTF8.self), radix: 16)
                else { throw fail("invalid escape in quoted string") }
                advance(count)
                if e == 0x78 {
                    out.append(UInt8(truncatingIfNeeded: value))
                } else {
                    guard let scalar = Unicode.Scalar(value) else { throw fail("invalid escape in quoted string") }
                    out += Array(String(Character(scalar)).utf8)
                }
            default: throw fail("invalid escape in quoted string")
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func raw() throws(TemplateError) -> String {
        advance()
        let start = index
        while at(0) != 0x60 {
            guard index < bytes.count else { throw fail("unterminated raw quoted string") }
            advance()
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        advance()
        return text
    }
}
