import CofferCrypto
import CofferSDK

/// Vault's username templates: Go template syntax with the fields `.DisplayName` and `.RoleName`
/// and Vault's helper functions (`random`, `truncate`, `truncate_sha256`, `uppercase`,
/// `lowercase`, `replace`, `sha256`, `base64`, `unix_time`, `unix_time_millis`, `uuid`,
/// `timestamp`, `printf`), piped with `|`. Parsed once, rendered per credential.
public struct UsernameTemplate: Sendable {
    /// PostgreSQL's default: `v-` display name and role name (8 characters each), 20 random
    /// characters and the time, cut to the 63-byte identifier limit.
    public static let postgresDefault =
        #"{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 20) (unix_time) | truncate 63 }}"#

    /// The longest template accepted, and the deepest nesting of parentheses.
    static let maxLength = 4096
    static let maxDepth = 16

    indirect enum Node: Sendable {
        case text(String)
        case field(String)
        case literal(Value)
        case call(String, [Node])
    }

    enum Value: Sendable {
        case string(String)
        case int(Int)

        var text: String {
            switch self {
            case .string(let s): s
            case .int(let i): String(i)
            }
        }
    }

    let nodes: [Node]

    /// Parses `source`; throws a 400 that says what is wrong.
    public init(_ source: String) throws(CofferError) {
        guard source.utf8.count <= Self.maxLength else { throw CofferError.badRequest("username_template is too long") }
        var parser = Parser(source)
        nodes = try parser.parseTemplate()
    }

    /// What the template renders for one credential.
    public struct Inputs: Sendable {
        /// The requesting token's display name.
        public var displayName: String
        /// The role the credential is for.
        public var roleName: String
        /// Seconds since 1970.
        public var now: Double

        /// Creates inputs.
        public init(displayName: String, roleName: String, now: Double) {
            self.displayName = displayName
            self.roleName = roleName
            self.now = now
        }
    }

    /// Renders the template; throws a 400 for a function used wrongly.
    public func render(_ inputs: Inputs) throws(CofferError) -> String {
        var out = ""
        for node in nodes { out += try Self.evaluate(node, inputs).text }
        return out
    }

    private static func evaluate(_ node: Node, _ inputs: Inputs) throws(CofferError) -> Value {
        switch node {
        case .text(let s): return .string(s)
        case .literal(let v): return v
        case .field(let name):
            switch name {
            case "DisplayName": return .string(inputs.displayName)
            case "RoleName": return .string(inputs.roleName)
            default: throw CofferError.badRequest("username_template: unknown field .\(name)")
            }
        case .call(let name, let argNodes):
            var args = [Value]()
            for arg in argNodes { args.append(try evaluate(arg, inputs)) }
            return try call(name, args, inputs)
        }
    }

    private static func call(_ name: String, _ args: [Value], _ inputs: Inputs) throws(CofferError) -> Value {
        func bad() -> CofferError { CofferError.badRequest("username_template: wrong arguments to \(name)") }
        func count(_ value: Value) throws(CofferError) -> Int {
            guard case .int(let n) = value, n >= 0, n <= 1024 else { throw bad() }
            return n
        }
        switch name {
        case "random":
            guard args.count == 1 else { throw bad() }
            return .string(SecureRandom.base62String(length: try count(args[0])))
        case "truncate":
            guard args.count == 2 else { throw bad() }
            return .string(String(args[1].text.prefix(try count(args[0]))))
        case "truncate_sha256":
            guard args.count == 2 else { throw bad() }
            let limit = try count(args[0])
            let text = args[1].text
            guard text.count > limit else { return .string(text) }
            guard limit >= 8 else { throw bad() }
            return .string(String(text.prefix(limit - 8)) + String(Hex.encode(Digest.sha256(Array(text.utf8))).prefix(8)))
        case "uppercase":
            guard args.count == 1 else { throw bad() }
            return .string(args[0].text.uppercased())
        case "lowercase":
            guard args.count == 1 else { throw bad() }
            return .string(args[0].text.lowercased())
        case "replace":
            guard args.count == 3 else { throw bad() }
            let old = args[0].text
            guard !old.isEmpty else { return .string(args[2].text) }
            return .string(args[2].text.replacing(old, with: args[1].text))
        case "sha256":
            guard args.count == 1 else { throw bad() }
            return .string(Hex.encode(Digest.sha256(Array(args[0].text.utf8))))
        case "base64":
            guard args.count == 1 else { throw bad() }
            return .string(Base64.encode(Array(args[0].text.utf8)))
        case "unix_time":
            guard args.isEmpty else { throw bad() }
            return .string(String(Int64(inputs.now.rounded(.down))))
        case "unix_time_millis":
            guard args.isEmpty else { throw bad() }
            return .string(String(Int64((inputs.now * 1000).rounded(.down))))
        case "uuid":
            guard args.isEmpty else { throw bad() }
            return .string(SecureRandom.uuid())
        case "timestamp":
            guard args.count == 1 else { throw bad() }
            return .string(goLayout(args[0].text, inputs.now))
        case "printf":
            guard let format = args.first else { throw bad() }
            return .string(try printf(format.text, Array(args.dropFirst())))
        default:
            throw CofferError.badRequest("username_template: unknown function \(name)")
        }
    }

    /// Go's `fmt.Sprintf` for the verbs templates use: `%s`, `%d`, `%v` and `%%`.
    private static func printf(_ format: String, _ args: [Value]) throws(CofferError) -> String {
        var out = ""
        var index = 0
        var chars = Substring(format)
        while let c = chars.first {
            chars = chars.dropFirst()
            guard c == "%" else {
                out.append(c)
                continue
            }
            guard let verb = chars.first else { throw CofferError.badRequest("username_template: bad printf format") }
            chars = chars.dropFirst()
            switch verb {
            case "%": out.append("%")
            case "s", "d", "v":
                guard index < args.count else { throw CofferError.badRequest("username_template: printf is missing arguments") }
                out += args[index].text
                index += 1
            default: throw CofferError.badRequest("username_template: unsupported printf verb %\(verb)")
            }
        }
        return out
    }

    /// A Go time layout (`2006-01-02T15:04:05Z07:00` and its parts) rendered in UTC.
    private static func goLayout(_ layout: String, _ now: Double) -> String {
        let stamp = Array(Timestamp.rfc3339(now.rounded(.down)).utf8)  // YYYY-MM-DDTHH:MM:SSZ
        func part(_ from: Int, _ to: Int) -> String { String(decoding: stamp[from..<to], as: UTF8.self) }
        let replacements: [(String, String)] = [
            ("2006", part(0, 4)), ("Z07:00", "Z"), ("-0700", "+0000"), ("01", part(5, 7)), ("02", part(8, 10)),
            ("15", part(11, 13)), ("04", part(14, 16)), ("05", part(17, 19)),
        ]
        var out = ""
        var rest = Substring(layout)
        outer: while !rest.isEmpty {
            for (token, value) in replacements where rest.hasPrefix(token) {
                out += value
                rest = rest.dropFirst(token.count)
                continue outer
            }
            out.append(rest.removeFirst())
        }
        return out
    }
}

extension UsernameTemplate {
    /// A recursive-descent parser for the subset of Go's template language Vault's templates use.
    struct Parser {
        private var chars: [Character]
        private var position = 0
        private var depth = 0

        init(_ source: String) { chars = Array(source) }

        private func error(_ message: String) -> CofferError { CofferError.badRequest("username_template: \(message)") }

        mutating func parseTemplate() throws(CofferError) -> [Node] {
            var nodes = [Node]()
            var text = ""
            while position < chars.count {
                if chars[position] == "{", position + 1 < chars.count, chars[position + 1] == "{" {
                    position += 2
                    if position < chars.count, chars[position] == "-" {
                        position += 1
                        while let last = text.last, last.isWhitespace { text.removeLast() }
                    }
                    if !text.isEmpty { nodes.append(.text(text)); text = "" }
                    let node = try parsePipeline()
                    skipSpaces()
                    var trimAfter = false
                    if position < chars.count, chars[position] == "-" {
                        trimAfter = true
                        position += 1
                    }
                    guard position + 1 < chars.count, chars[position] == "}", chars[position + 1] == "}" else {
                        throw error("expected }}")
                    }
                    position += 2
                    if trimAfter { while position < chars.count, chars[position].isWhitespace { position += 1 } }
                    nodes.append(node)
                } else {
                    text.append(chars[position])
                    position += 1
                }
            }
            if !text.isEmpty { nodes.append(.text(text)) }
            return nodes
        }

        private mutating func skipSpaces() {
            while position < chars.count, chars[position] == " " || chars[position] == "\t" || chars[position] == "\n" { position += 1 }
        }

        private func atEnd() -> Bool {
            if position >= chars.count { return true }
            let c = chars[position]
            if c == ")" || c == "|" { return true }
            if c == "}" { return true }
            if c == "-", position + 1 < chars.count, chars[position + 1] == "}" { return true }
            return false
        }

        /// `command ('|' command)*`, where each later command gets the previous result last.
        private mutating func parsePipeline() throws(CofferError) -> Node {
            depth += 1
            defer { depth -= 1 }
            guard depth <= UsernameTemplate.maxDepth else { throw error("nested too deeply") }
            var node = try parseCommand(piped: nil)
            skipSpaces()
            while position < chars.count, chars[position] == "|" {
                position += 1
                node = try parseCommand(piped: node)
                skipSpaces()
            }
            return node
        }

        private mutating func parseCommand(piped: Node?) throws(CofferError) -> Node {
            skipSpaces()
            guard !atEnd() else { throw error("empty command") }
            if isIdentifierStart(chars[position]) {
                let name = readIdentifier()
                var args = [Node]()
                skipSpaces()
                while !atEnd() {
                    args.append(try parseOperand())
                    skipSpaces()
                }
                if let piped { args.append(piped) }
                return .call(name, args)
            }
            let operand = try parseOperand()
            skipSpaces()
            guard atEnd() else { throw error("unexpected arguments after a value") }
            guard piped == nil else { throw error("a value cannot take piped input") }
            return operand
        }

        private mutating func parseOperand() throws(CofferError) -> Node {
            skipSpaces()
            guard position < chars.count else { throw error("unexpected end") }
            let c = chars[position]
            switch c {
            case "(":
                position += 1
                let inner = try parsePipeline()
                skipSpaces()
                guard position < chars.count, chars[position] == ")" else { throw error("expected )") }
                position += 1
                return inner
            case ".":
                position += 1
                let name = readIdentifier()
                guard !name.isEmpty else { throw error("expected a field name after .") }
                return .field(name)
            case "\"":
                return .literal(.string(try readQuoted()))
            case "`":
                position += 1
                var text = ""
                while position < chars.count, chars[position] != "`" {
                    text.append(chars[position])
                    position += 1
                }
                guard position < chars.count else { throw error("unterminated raw string") }
                position += 1
                return .literal(.string(text))
            case "0"..."9":
                var digits = ""
                while position < chars.count, chars[position].isASCII, chars[position].isNumber {
                    digits.append(chars[position])
                    position += 1
                }
                guard digits.count <= 6, let n = Int(digits) else { throw error("number out of range") }
                return .literal(.int(n))
            default:
                if isIdentifierStart(c) {
                    // A function without arguments used as an argument (Go allows `printf "%s" uuid`).
                    return .call(readIdentifier(), [])
                }
                throw error("unexpected character")
            }
        }

        private mutating func readQuoted() throws(CofferError) -> String {
            position += 1
            var text = ""
            while position < chars.count {
                let c = chars[position]
                position += 1
                switch c {
                case "\"": return text
                case "\\":
                    guard position < chars.count else { throw error("unterminated string") }
                    let escaped = chars[position]
                    position += 1
                    switch escaped {
                    case "n": text.append("\n")
                    case "t": text.append("\t")
                    case "\\", "\"": text.append(escaped)
                    default: throw error("unsupported escape in string")
                    }
                default: text.append(c)
                }
            }
            throw error("unterminated string")
        }

        private func isIdentifierStart(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c == "_") }

        private mutating func readIdentifier() -> String {
            var name = ""
            while position < chars.count, chars[position].isASCII, chars[position].isLetter || chars[position].isNumber || chars[position] == "_" {
                name.append(chars[position])
                position += 1
            }
            return name
        }
    }
}
