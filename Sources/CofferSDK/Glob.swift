/// `*` globs as Vault's policy lists and bound claims use them: `*` is any run of characters.
public enum Glob {
    /// True when `text` matches `pattern`.
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        let chars = Array(text.unicodeScalars)
        guard parts.count > 1 else { return pattern == text }
        guard chars.starts(with: parts[0]) else { return false }
        var index = parts[0].count
        for (position, part) in parts.enumerated().dropFirst() {
            if position == parts.count - 1 {
                return part.isEmpty || (chars.count - index >= part.count && Array(chars.suffix(part.count)) == part)
            }
            guard let found = firstIndex(of: part, in: chars, from: index) else { return false }
            index = found + part.count
        }
        return true
    }

    private static func firstIndex(of needle: [Unicode.Scalar], in haystack: [Unicode.Scalar], from start: Int) -> Int? {
        if needle.isEmpty { return start }
        guard haystack.count >= needle.count else { return nil }
        var i = start
        while i + needle.count <= haystack.count {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }
}
