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
    }

    /// The captures when `path` matches, else nil. A trailing `/` before a `*rest` is optional,
    /// so `metadata` matches `metadata/*path` with an empty path, as Vault's list routes do.
    public func match(_ path: String) -> [String: String]? {
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
}
