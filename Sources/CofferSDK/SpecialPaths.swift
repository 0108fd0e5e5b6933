/// Paths of a backend that the core treats specially, as Vault's `PathsSpecial`: patterns are
/// mount-relative, exact or with a trailing `*`.
public struct SpecialPaths: Sendable {
    /// Reachable without a token (logins).
    public var unauthenticated: [String]
    /// Need the `sudo` capability as well as the operation's own.
    public var sudo: [String]

    /// Declares special paths.
    public init(unauthenticated: [String] = [], sudo: [String] = []) {
        self.unauthenticated = unauthenticated
        self.sudo = sudo
    }

    /// True when `path` matches one of `patterns`.
    public static func matches(_ patterns: [String], _ path: String) -> Bool {
        patterns.contains { pattern in
            pattern.hasSuffix("*") ? path.hasPrefix(pattern.dropLast()) : path == pattern
        }
    }
}

extension Backend {
    /// No special paths unless the backend says so.
    public var specialPaths: SpecialPaths { SpecialPaths() }
}
