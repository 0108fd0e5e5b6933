/// How values reach SQL text that coffer writes itself: identifiers double-quoted, literals
/// single-quoted, each with its quote character doubled. Nothing from a request is ever pasted
/// in unquoted.
public enum PostgresQuoting {
    /// `name` as a quoted identifier (`"a""b"` for `a"b`).
    public static func identifier(_ name: String) -> String {
        "\"" + name.replacing("\"", with: "\"\"") + "\""
    }

    /// `value` as a string literal. The `E''` form with backslashes doubled reads the same
    /// whatever `standard_conforming_strings` says.
    public static func literal(_ value: String) -> String {
        "E'" + value.replacing("\\", with: "\\\\").replacing("'", with: "''") + "'"
    }

    /// True when `name` is safe to substitute raw into a user's statement template, inside
    /// either kind of quotes: no quote characters, backslashes, semicolons or control
    /// characters, and within PostgreSQL's 63-byte identifier limit.
    public static func isSafeName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 63 else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            scalar.value >= 0x20 && scalar.value != 0x7F && !"\"'\\;".unicodeScalars.contains(scalar)
        }
    }
}
