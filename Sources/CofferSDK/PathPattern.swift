/// A route inside a backend: literal text, `:name` for one path segment, and a final `*name` for
/// the rest of the path (possibly empty, slashes included).
///
/// A tiny matcher rather than `Regex`: it runs on every request and stays allocation-light.
public struct PathPattern: Sendable, Hashable, CustomStringConvertible {
    enum Token: Sendable, Hashable {
        case literal(String)
        case segment(String)
        case rest(String)
    }

    let tokens: [Token]
    /// The pattern as written.
    public let description: String
    /// Each literal's bytes, when every literal is ASCII and none ends in a carriage return:
    /// an ASCII path is then matched byte for byte (see `match`).
    private let asciiLiterals: [[UInt8]]?

    /// Compiles `pattern`; a `*name` must come last.
    public init(_ pattern: String) {
        description = pattern
        var tokens = [Token]()
        var literal = ""
        var chars = Substring(pattern)
        while let c = chars.first {
            if c == ":" || c == "*" {
                if !literal.isEmpty { tokens.append(.literal(literal)); literal = "" }
                chars = chars.dropFirst()
                let name = chars.prefix { $0 != "/" }
                chars = chars.dropFirst(name.count)
                if c == ":" {
                    tokens.append(.segment(String(name)))
                } else {
                    precondition(chars.isEmpty, "a *rest capture must end the pattern: \(pattern)")
                    tokens.append(.rest(String(name)))
                }
            } else {
                literal.append(c)
                chars = chars.dropFirst()
            }
        }
        if !literal.isEmpty { tokens.append(.literal(literal)) }
        self.tokens = tokens
        var literals: [[UInt8]]? = []
        for case .literal(let text) in tokens {
            let bytes = Array(text.utf8)
            if bytes.contains(where: { $0 >= 0x80 }) || bytes.last == 0x0D {
                literals = nil
                break
            }
            literals?.append(bytes)
        }
        asciiLiterals = literals
    }

    /// The captures when `path` matches, else nil. A trailing `/` before a `*rest` is optional,
    /// so `metadata` matches `metadata/*path` with an empty path, as Vault's list routes do.
    public func match(_ path: String) -> [String: String]? {
        if let literals = asciiLiterals {
            var path = path
            let matched = path.withUTF8 { bytes -> [String: String]?? in
                bytes.contains(where: { $0 >= 0x80 }) ? nil : .some(matchASCII(bytes, literals))
            }
            if let matched { return matched }
        }
        return matchCharacters(path)
    }

    /// `match` by Character, for any path.
    func matchCharacters(_ path: String) -> [String: String]? {
        var captures = [String: String]()
        var rest = Substring(path)
        for (index, token) in tokens.enumerated() {
            switch token {
            case .literal(let text):
                if rest.hasPrefix(text) {
                    rest = rest.dropFirst(text.count)
                } else if text.hasSuffix("/"), index == tokens.count - 2, rest == text.dropLast() {
                    rest = ""
                } else {
                    return nil
                }
            case .segment(let name):
                let value = rest.prefix { $0 != "/" }
                guard !value.isEmpty else { return nil }
                captures[name] = String(value)
                rest = rest.dropFirst(value.count)
            case .rest(let name):
                captures[name] = String(rest)
                rest = ""
            }
        }
        return rest.isEmpty ? captures : nil
    }

    /// `match` for an ASCII path, on bytes. Substring's `hasPrefix`, `dropFirst` and `count`
    /// work by Character, under Unicode canonical equivalence; for ASCII on both sides that is
    /// byte equality (a carriage return and line feed make one Character, hence no literal
    /// ending in one), at a fraction of the cost. The same steps as the general loop above.
    private func matchASCII(_ bytes: UnsafeBufferPointer<UInt8>, _ literals: [[UInt8]]) -> [String: String]? {
        var captures = [String: String]()
        var position = 0
        var literal = 0
        func text(_ range: Range<Int>) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }
        for (index, token) in tokens.enumerated() {
            switch token {
            case .literal:
                let expected = literals[literal]
                literal += 1
                let remaining = bytes.count - position
                if remaining >= expected.count, Self.equal(bytes, from: position, expected, count: expected.count) {
                    position += expected.count
                } else if expected.last == UInt8(ascii: "/"), index == tokens.count - 2, remaining == expected.count - 1,
                    Self.equal(bytes, from: position, expected, count: remaining)
                {
                    position = bytes.count
                } else {
                    return nil
                }
            case .segment(let name):
                var end = position
                while end < bytes.count, bytes[end] != UInt8(ascii: "/") { end += 1 }
                guard end > position else { return nil }
                captures[name] = text(position..<end)
                position = end
            case .rest(let name):
                captures[name] = text(position..<bytes.count)
                position = bytes.count
            }
        }
        return position == bytes.count ? captures : nil
    }

    private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, _ expected: [UInt8], count: Int) -> Bool {
        for offset in 0..<count where bytes[start + offset] != expected[offset] { return false }
        return true
    }
}
